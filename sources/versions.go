package sources

import (
	"bytes"
	"math"
	"sort"
)

// Versions maps ticket ids to a version, the last-change time in Unix
// seconds of what a caller holds (Held.Versions). It is built once and
// then only read: a checkpoint of a million tickets is one in memory, so it
// is held compactly, every id end to end in one array, sorted, about 12
// bytes a ticket beside its id and no pointer for the garbage collector to
// follow (a map[string]int64 holds about 70 bytes a ticket). A nil
// *Versions holds nothing. It is safe for concurrent reads.
type Versions struct {
	ids  []byte   // the ids, sorted, end to end
	ends []uint32 // ids[ends[i-1]:ends[i]] is the i-th id (from 0 for the first)
	vs   []int64  // vs[i] is the i-th id's version
}

// VersionsBuilder builds a Versions. The zero value is ready to use.
type VersionsBuilder struct {
	v      Versions
	sorted bool // so far, every id came after the one before
}

// Add adds id at version v. Ids come in any order, fastest in increasing
// byte order (SQLite's ORDER BY on a TEXT column); an id added twice keeps
// its greater version.
func (b *VersionsBuilder) Add(id string, v int64) {
	if len(b.v.ends) == 0 {
		b.sorted = true
	} else if b.sorted && id <= string(b.v.id(len(b.v.ends)-1)) {
		b.sorted = false
	}
	if len(b.v.ids)+len(id) > math.MaxUint32 {
		panic("sources: Versions: ids of over 4 GiB")
	}
	b.v.ids = append(b.v.ids, id...)
	b.v.ends = append(b.v.ends, uint32(len(b.v.ids)))
	b.v.vs = append(b.v.vs, v)
}

// Versions returns what was added, sorted, and resets b.
func (b *VersionsBuilder) Versions() *Versions {
	v, sorted := b.v, b.sorted
	*b = VersionsBuilder{}
	if !sorted {
		v = v.sort()
	}
	return &v
}

// sort returns v sorted by id, an id given twice once, at its greater
// version.
func (v Versions) sort() Versions {
	order := make([]int32, len(v.ends))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return string(v.id(int(order[a]))) < string(v.id(int(order[b]))) })
	var out Versions
	out.ids = make([]byte, 0, len(v.ids))
	out.ends = make([]uint32, 0, len(v.ends))
	out.vs = make([]int64, 0, len(v.vs))
	for _, i := range order {
		id := v.id(int(i))
		if n := len(out.ends); n > 0 && bytes.Equal(out.id(n-1), id) {
			out.vs[n-1] = max(out.vs[n-1], v.vs[i])
			continue
		}
		out.ids = append(out.ids, id...)
		out.ends = append(out.ends, uint32(len(out.ids)))
		out.vs = append(out.vs, v.vs[i])
	}
	return out
}

// id returns the i-th id, in v's memory.
func (v *Versions) id(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = v.ends[i-1]
	}
	return v.ids[start:v.ends[i]:v.ends[i]]
}

// Get returns id's version; ok is false when v does not hold id.
func (v *Versions) Get(id string) (version int64, ok bool) {
	if v == nil {
		return 0, false
	}
	i := sort.Search(len(v.ends), func(i int) bool { return string(v.id(i)) >= id })
	if i < len(v.ends) && string(v.id(i)) == id {
		return v.vs[i], true
	}
	return 0, false
}

// Len returns how many ids v holds.
func (v *Versions) Len() int {
	if v == nil {
		return 0
	}
	return len(v.ends)
}

// VersionsOf returns a Versions holding m.
func VersionsOf(m map[string]int64) *Versions {
	var b VersionsBuilder
	for id, v := range m {
		b.Add(id, v)
	}
	return b.Versions()
}
