package sources

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Factory describes one kind of source: its name in the config (source.type),
// its help text, how to make its options and how to open it.
type Factory struct {
	// Name is the source's name in the config (source.type): "csv".
	Name string
	// Help is a one-line description for --help and errors.
	Help string
	// NewOptions returns a pointer to a fresh options struct with yaml tags;
	// the config loader decodes the source block into it (strictly: an
	// unknown key is an error).
	NewOptions func() any
	// Open opens the source with the options NewOptions made, decoded.
	Open func(ctx context.Context, opts any, env Env) (Source, error)
	// Redact returns text with every secret in opts (DSN passwords) replaced,
	// for logs, errors and reports. Nil when the source has no secrets.
	Redact func(opts any, text string) string
}

// Registry is the set of known sources, by name. It is a value built in one
// place (sources/all); there is no global registry.
type Registry struct {
	byName map[string]Factory
}

// NewRegistry returns a registry holding fs. It panics on a duplicate name,
// which is a programming error.
func NewRegistry(fs ...Factory) *Registry {
	r := &Registry{byName: make(map[string]Factory, len(fs))}
	for _, f := range fs {
		if _, dup := r.byName[f.Name]; dup {
			panic("sources: duplicate source " + f.Name)
		}
		r.byName[f.Name] = f
	}
	return r
}

// Lookup returns the factory named name.
func (r *Registry) Lookup(name string) (Factory, error) {
	f, ok := r.byName[name]
	if !ok {
		return Factory{}, fmt.Errorf("unknown source type %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	return f, nil
}

// Names lists the registered sources, sorted.
func (r *Registry) Names() []string {
	ns := make([]string, 0, len(r.byName))
	for n := range r.byName {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}
