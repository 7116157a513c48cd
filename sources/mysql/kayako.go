package mysql

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// kayako reads Kayako Classic 4.x (shared/research/source-schemas-3.md §1):
// <pf>tickets not in the trash (departmentid 0), <pf>ticketposts and the
// ticket notes (<pf>ticketnotes linktype 1) as entries, unix-epoch times
// (no zone needed), HTML or text bodies per ishtml, attachments in database
// chunks (raw or base64 per chunk) or files under attachments_dir (the
// install's __swift/files).
type kayako struct {
	s            *Source
	pf           string
	seq          bool // t_eticketid = seq: the install shows ticketid, not the mask
	hasNotBase64 bool // <pf>attachmentchunks.notbase64
	hasEdited    bool // <pf>ticketposts.editeddateline
	hasRecips    bool // <pf>ticketrecipients and <pf>ticketemails
	hasUserMail  bool // <pf>useremails
	tabs         map[string]bool
	// cfs are the ticket custom fields the mapping reads, by id, as their
	// Ticket.Fields keys.
	cfs map[int64]string
}

func (k *kayako) t(name string) string { return quoteIdent(k.pf + name) }

func (k *kayako) init(ctx context.Context) error {
	s := k.s
	names := []string{"tickets", "ticketposts", "ticketnotes", "attachments", "attachmentchunks", "departments", "ticketstatus",
		"ticketpriorities", "staff", "useremails", "ticketrecipients", "ticketemails", "settings", "ticketdrafts", "ticketauditlogs",
		"customfields", "customfieldgroups", "customfieldvalues"}
	full := make([]string, len(names))
	for i, n := range names {
		full[i] = k.pf + n
	}
	have, err := s.schema(ctx, full...)
	if err != nil {
		return err
	}
	if err := have.require(k.pf+"tickets", k.pf+"ticketposts", k.pf+"ticketnotes", k.pf+"attachments", k.pf+"attachmentchunks",
		k.pf+"staff", k.pf+"departments", k.pf+"ticketstatus", k.pf+"ticketpriorities"); err != nil {
		return err
	}
	// Kayako 3.x names its attachments' post ticketpostid and has no
	// linktype: a layout this preset has not been tested on.
	if have.has(k.pf+"attachments", "ticketpostid") && !have.has(k.pf+"attachments", "linktype") {
		return configError{errors.New("this is a Kayako 3.x (SupportSuite/eSupport) database: preset kayako reads 4.x; upgrade it to 4.x " +
			"(Kayako 4's own 3.x importer), or use preset custom (see the README's Kayako section for the 3.x columns)")}
	}
	have.check(k.pf+"ticketposts", "isprivate", "ishtml", "creator")
	have.check(k.pf+"ticketnotes", "linktype", "linktypeid")
	k.hasNotBase64 = have.has(k.pf+"attachmentchunks", "notbase64")
	k.hasEdited = have.has(k.pf+"ticketposts", "editeddateline")
	k.hasRecips = have.table(k.pf+"ticketrecipients") && have.table(k.pf+"ticketemails")
	k.hasUserMail = have.table(k.pf + "useremails")
	k.tabs = map[string]bool{}
	for _, n := range []string{"settings", "ticketdrafts", "ticketauditlogs"} {
		k.tabs[n] = have.table(k.pf + n)
	}
	cf := have.table(k.pf+"customfields") && have.table(k.pf+"customfieldgroups") && have.table(k.pf+"customfieldvalues")
	if err := have.err(); err != nil {
		return err
	}
	if k.tabs["settings"] {
		var v sql.NullString
		err := s.db.QueryRowContext(ctx, "SELECT data FROM "+k.t("settings")+" WHERE section = 'settings' AND vkey = 't_eticketid' LIMIT 1").Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read setting t_eticketid: %w", err)
		}
		k.seq = strings.TrimSpace(v.String) == "seq"
	}
	if len(s.fields) > 0 {
		if !cf {
			return s.checkFields("Kayako ticket custom field (no custom-field tables)", nil)
		}
		if err := k.initFields(ctx); err != nil {
			return err
		}
	}
	// Kayako stores unix epochs: no zone is read or needed.
	s.loc = time.UTC
	s.log.Info("reading Kayako times as unix epochs (no source zone needed)", "numbers", map[bool]string{true: "ticketid (t_eticketid seq)", false: "ticketmaskid"}[k.seq])
	return nil
}

// initFields finds the ticket custom fields (groups of type 3 staff
// ticket, 4 user ticket, 9 both) the mapping reads, by title.
func (k *kayako) initFields(ctx context.Context) error {
	s := k.s
	var known []string
	k.cfs = map[int64]string{}
	err := s.each(ctx, "read custom fields", "SELECT f.customfieldid, COALESCE(f.title, '') FROM "+k.t("customfields")+" f JOIN "+
		k.t("customfieldgroups")+" g ON g.customfieldgroupid = f.customfieldgroupid WHERE g.grouptype IN (3, 4, 9)", nil,
		func(rows *sql.Rows) error {
			var id int64
			var title string
			if err := rows.Scan(&id, &title); err != nil {
				return err
			}
			known = append(known, title)
			if key, ok := s.field(title); ok {
				k.cfs[id] = key
			}
			return nil
		})
	if err != nil {
		return err
	}
	return s.checkFields("Kayako ticket custom field", known)
}

func (k *kayako) where() string { return " WHERE t.departmentid <> 0" }

func (k *kayako) count(ctx context.Context) (int, error) {
	return k.s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("tickets")+" t"+k.where())
}

func (k *kayako) page(ctx context.Context, after any, n int) ([]header, error) {
	s := k.s
	email := "NULLIF(t.email, '')"
	if k.hasUserMail {
		email = "COALESCE(NULLIF(t.email, ''), (SELECT ue.email FROM " + k.t("useremails") + " ue WHERE ue.linktype = 1 AND ue.linktypeid = t.userid" +
			" AND t.userid <> 0 ORDER BY ue.isprimary DESC, ue.useremailid LIMIT 1), '')"
	}
	edited := "p.dateline"
	if k.hasEdited {
		edited = "GREATEST(p.dateline, p.editeddateline)"
	}
	q := "SELECT t.ticketid, t.ticketmaskid, t.subject, COALESCE(d.title, t.departmenttitle, ''), COALESCE(st.title, t.ticketstatustitle, '')," +
		" COALESCE(pr.title, t.prioritytitle, ''), t.ownerstaffid, COALESCE(o.email, ''), COALESCE(o.fullname, t.ownerstaffname, '')," +
		" t.fullname, " + email + ", t.dateline, t.lastactivity" +
		" FROM " + k.t("tickets") + " t FORCE INDEX (PRIMARY)" +
		" LEFT JOIN " + k.t("departments") + " d ON d.departmentid = t.departmentid" +
		" LEFT JOIN " + k.t("ticketstatus") + " st ON st.ticketstatusid = t.ticketstatusid" +
		" LEFT JOIN " + k.t("ticketpriorities") + " pr ON pr.priorityid = t.priorityid" +
		" LEFT JOIN " + k.t("staff") + " o ON o.staffid = t.ownerstaffid AND t.ownerstaffid <> 0" +
		k.where() + " AND t.ticketid > ? ORDER BY t.ticketid LIMIT ?"
	hs, err := s.keyset(ctx, q, after, n, func(rows *sql.Rows) (header, error) {
		var id, owner, created, updated int64
		var mask, subject, dept, status, prio, oemail, oname, name, mail string
		if err := rows.Scan(&id, &mask, &subject, &dept, &status, &prio, &owner, &oemail, &oname, &name, &mail, &created, &updated); err != nil {
			return header{}, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("%s ticketid=%d mask=%s", k.pf+"tickets", id, mask),
			Subject:    kayakoEmoji(subject),
			Department: dept,
			Status:     status,
			Priority:   prio,
			Requester:  sources.Person{Name: name, Email: mail},
			Number:     mask,
			Created:    epoch(created),
			Updated:    epoch(updated),
		}
		if k.seq || mask == "" {
			t.Number = t.ID
		}
		if owner != 0 {
			t.Assignee = sources.Person{Name: oname, Email: oemail}
		}
		if created == 0 {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "dateline",
				Message: "no date (dateline 0)"})
		}
		if mail == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "email",
				Message: "the ticket has no requester email (neither its own nor the user's)"})
		}
		return header{key: id, t: t}, nil
	})
	if err != nil || len(hs) == 0 {
		return hs, err
	}
	byID := byKey(hs)
	// The last change: the ticket's last activity, its latest post (or
	// edit) and its latest note, whichever is later; for the page at once.
	for _, q := range []string{
		"SELECT p.ticketid, MAX(" + edited + ") FROM " + k.t("ticketposts") + " p WHERE p.ticketid IN (" + inList(hs) + ") GROUP BY p.ticketid",
		"SELECT n.linktypeid, MAX(n.dateline) FROM " + k.t("ticketnotes") + " n WHERE n.linktype = 1 AND n.linktypeid IN (" + inList(hs) + ") GROUP BY n.linktypeid",
	} {
		err := s.each(ctx, "read last changes", q, nil, func(rows *sql.Rows) error {
			var id, last int64
			if err := rows.Scan(&id, &last); err != nil {
				return err
			}
			if t := byID[id]; t != nil {
				t.Updated = later(t.Updated, epoch(last))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if k.hasRecips {
		// CC and BCC recipients (type 1, third parties the ticket was
		// forwarded to, are not copied).
		err := s.each(ctx, "read recipients", "SELECT r.ticketid, e.email FROM "+k.t("ticketrecipients")+" r JOIN "+k.t("ticketemails")+
			" e ON e.ticketemailid = r.ticketemailid WHERE r.ticketid IN ("+inList(hs)+") AND r.recipienttype IN (2, 3)"+
			" ORDER BY r.ticketid, r.ticketrecipientid", nil, func(rows *sql.Rows) error {
			var id int64
			var addr string
			if err := rows.Scan(&id, &addr); err != nil {
				return err
			}
			if t := byID[id]; t != nil && addr != "" && !slices.Contains(t.CC, addr) {
				t.CC = append(t.CC, addr)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(k.cfs) > 0 {
		if err := k.pageFields(ctx, hs); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

// pageFields reads the mapped custom fields of a page's tickets: a
// serialized plain array is joined with ", "; an encrypted value, which
// needs the install's key, is a warning.
func (k *kayako) pageFields(ctx context.Context, hs []header) error {
	byID := byKey(hs)
	ids := make([]int64, 0, len(k.cfs))
	for id := range k.cfs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return k.s.each(ctx, "read custom field values", "SELECT v.typeid, v.customfieldid, COALESCE(v.fieldvalue, ''), v.isserialized, v.isencrypted FROM "+
		k.t("customfieldvalues")+" v WHERE v.typeid IN ("+inList(hs)+") AND v.customfieldid IN ("+idList(ids)+") ORDER BY v.typeid, v.customfieldid",
		nil, func(rows *sql.Rows) error {
			var tid, fid int64
			var v string
			var serialized, encrypted int
			if err := rows.Scan(&tid, &fid, &v, &serialized, &encrypted); err != nil {
				return err
			}
			t, key := byID[tid], k.cfs[fid]
			if t == nil || key == "" {
				return nil
			}
			switch {
			case encrypted != 0:
				t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeBadValue, Origin: t.Origin, Field: key,
					Message: fmt.Sprintf("custom field %q is encrypted with the Kayako install's key; not carried", key)})
				return nil
			case serialized != 0:
				list, ok := phpList(v)
				if !ok {
					t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeBadValue, Origin: t.Origin, Field: key,
						Message: fmt.Sprintf("custom field %q holds a serialized value that is not a plain array; not carried", key)})
					return nil
				}
				v = strings.Join(list, ", ")
			}
			setField(t, key, v)
			return nil
		})
}

// kyEntry is one post or ticket note, before it becomes a sources.Entry.
type kyEntry struct {
	note                  bool // a <pf>ticketnotes row
	id, dateline          int64
	creator, staffID      int64
	private, isHTML       bool
	name, email, body     string
	staffEmail, staffName sql.NullString
	staffFound            bool
}

type kyAttachment struct {
	id, post, size, typ    int64
	name, store, cid, mime string
}

func (k *kayako) thread(ctx context.Context, h header) error { return k.threads(ctx, []header{h}) }

// threads reads the posts and ticket notes of a page's tickets with one
// query each, and their attachments (joined to their posts: an attachment
// of no post is left out), then merges each ticket's timeline by dateline,
// posts before notes, then id.
func (k *kayako) threads(ctx context.Context, hs []header) error {
	s := k.s
	list := inList(hs)
	scanPost := func(rows *sql.Rows) (int64, kyEntry, error) {
		var tid int64
		var e kyEntry
		var body sql.NullString
		err := rows.Scan(&tid, &e.id, &e.dateline, &e.creator, &e.staffID, &e.private, &e.isHTML, &e.name, &e.email, &body,
			&e.staffFound, &e.staffEmail, &e.staffName)
		e.body = body.String
		return tid, e, err
	}
	posts, err := group(ctx, s, "read posts", "SELECT p.ticketid, p.ticketpostid, p.dateline, p.creator, p.staffid, p.isprivate <> 0, p.ishtml <> 0,"+
		" p.fullname, p.email, p.contents, st.staffid IS NOT NULL, st.email, st.fullname FROM "+k.t("ticketposts")+" p"+
		" LEFT JOIN "+k.t("staff")+" st ON p.staffid <> 0 AND st.staffid = p.staffid WHERE p.ticketid IN ("+list+")", nil, scanPost)
	if err != nil {
		return err
	}
	notes, err := group(ctx, s, "read notes", "SELECT n.linktypeid, n.ticketnoteid, n.dateline, 1, n.staffid, TRUE, FALSE,"+
		" n.staffname, '', n.note, st.staffid IS NOT NULL, st.email, st.fullname FROM "+k.t("ticketnotes")+" n"+
		" LEFT JOIN "+k.t("staff")+" st ON n.staffid <> 0 AND st.staffid = n.staffid WHERE n.linktype = 1 AND n.linktypeid IN ("+list+")", nil, scanPost)
	if err != nil {
		return err
	}
	atts, err := group(ctx, s, "read attachments", "SELECT p.ticketid, a.attachmentid, a.linktypeid, a.filesize, a.attachmenttype, a.filename,"+
		" a.storefilename, COALESCE(a.contentid, ''), a.filetype FROM "+k.t("ticketposts")+" p STRAIGHT_JOIN "+k.t("attachments")+" a"+
		" ON a.linktype = 1 AND a.linktypeid = p.ticketpostid WHERE p.ticketid IN ("+list+") ORDER BY a.linktypeid, a.attachmentid", nil,
		func(rows *sql.Rows) (int64, kyAttachment, error) {
			var tid int64
			var a kyAttachment
			err := rows.Scan(&tid, &a.id, &a.post, &a.size, &a.typ, &a.name, &a.store, &a.cid, &a.mime)
			return tid, a, err
		})
	if err != nil {
		return err
	}
	for _, h := range hs {
		tid := h.key.(int64)
		es := posts[tid]
		for _, n := range notes[tid] {
			n.note = true
			es = append(es, n)
		}
		slices.SortFunc(es, func(a, b kyEntry) int {
			if c := cmp.Compare(a.dateline, b.dateline); c != 0 {
				return c
			}
			if a.note != b.note {
				if a.note {
					return 1
				}
				return -1
			}
			return cmp.Compare(a.id, b.id)
		})
		k.entries(h.t, es, atts[tid])
	}
	return nil
}

// kayakoCID is an inline image's reference in an HTML body.
var kayakoCID = regexp.MustCompile(`(?i)src\s*=\s*["']?cid:([^"'\s>]+)`)

func (k *kayako) entries(t *sources.Ticket, es []kyEntry, atts []kyAttachment) {
	byPost := map[int64][]kyAttachment{}
	byCID := map[string]kyAttachment{}
	for _, a := range atts {
		byPost[a.post] = append(byPost[a.post], a)
		if a.cid != "" {
			byCID[a.cid] = a
		}
	}
	private := 0
	for _, r := range es {
		e := sources.Entry{Created: epoch(r.dateline), Body: r.body, Format: sources.Text}
		staff := sources.Person{Name: r.staffName.String, Email: r.staffEmail.String}
		if !r.staffFound {
			staff = sources.Person{Name: r.name, Email: r.email}
		}
		if r.note {
			e.ID = "n" + strconv.FormatInt(r.id, 10)
			e.Origin = fmt.Sprintf("%s ticketnoteid=%d", k.pf+"ticketnotes", r.id)
			e.Kind, e.Author = sources.Note, staff
		} else {
			e.ID = strconv.FormatInt(r.id, 10)
			e.Origin = fmt.Sprintf("%s ticketpostid=%d", k.pf+"ticketposts", r.id)
			private += privateUse(r.body)
			e.Body = kayakoEmoji(e.Body)
			if r.isHTML {
				e.Format = sources.HTML
				// TinyMCE staff posts are HTML stored with its markup as
				// entities: decode them once.
				if r.creator == 1 && !strings.Contains(e.Body, "<") && strings.Contains(e.Body, "&lt;") {
					e.Body = html.UnescapeString(e.Body)
				}
			}
			switch {
			case r.private:
				e.Kind, e.Author = sources.Note, staff
				if r.staffID == 0 {
					e.Author = sources.Person{Name: r.name, Email: r.email}
				}
			case r.creator == 1:
				e.Kind, e.Author = sources.StaffReply, staff
			default:
				// The user (2), a CC (3), a BCC (4) or a third party (5):
				// each is credited to its own address.
				e.Kind, e.Author = sources.CustomerReply, sources.Person{Name: r.name, Email: r.email}
				if r.email == "" {
					e.Author = t.Requester
				}
			}
			if r.private || r.creator == 1 {
				if r.staffID != 0 && !r.staffFound {
					t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
						Field: "staffid", Message: fmt.Sprintf("staff %d no longer exists; kept as %q", r.staffID, r.name)})
				}
			}
			if r.dateline == 0 {
				t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
					Field: "dateline", Message: "no date (dateline 0)"})
			}
			own := byPost[r.id]
			if e.Format == sources.HTML {
				// An inline image may be another post's attachment (Kayako
				// keeps one copy per sha1): it goes with this entry too.
				for _, m := range kayakoCID.FindAllStringSubmatch(e.Body, -1) {
					if a, ok := byCID[m[1]]; ok && !slices.ContainsFunc(own, func(o kyAttachment) bool { return o.id == a.id }) {
						own = append(own, a)
					}
				}
			}
			for _, a := range own {
				if att, ok := k.attachment(t, e, a); ok {
					e.Attachments = append(e.Attachments, att)
				}
			}
		}
		t.Entries = append(t.Entries, e)
	}
	if n := private + privateUse(t.Subject); n > 0 {
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeEmojiPrivateUse, Origin: t.Origin, Field: "subject/contents",
			Message: fmt.Sprintf("%d private-use characters (U+E000-U+F8FF): Kayako's emoji encoder stored emoji and (c) (r) (tm) this way "+
				"(e.g. U+E5C8 for a rocket); they are sent as they are", n)})
	}
}

func (k *kayako) attachment(t *sources.Ticket, e sources.Entry, a kyAttachment) (sources.Attachment, bool) {
	s := k.s
	switch a.typ {
	case 1:
		q := "SELECT chunkid, contents, 1 FROM " + k.t("attachmentchunks") + " WHERE attachmentid = ? AND chunkid > ? ORDER BY chunkid LIMIT 1"
		if k.hasNotBase64 {
			q = strings.Replace(q, ", 1 FROM", ", notbase64 FROM", 1)
		}
		id, name := a.id, a.name
		return sources.Attachment{Name: a.name, Size: -1, ContentID: a.cid, Open: func() (io.ReadCloser, error) {
			return &kyChunks{s: s, query: q, file: id, name: name, prev: -1}, nil
		}}, true
	case 2:
		att, ok := s.fileAttachment(t, e.ID, e.Origin, a.store, a.name)
		att.ContentID = a.cid
		return att, ok
	}
	t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeAttachmentMissing, Entry: e.ID, Origin: e.Origin,
		Field: "attachment", Message: fmt.Sprintf("attachment %q has attachmenttype %d (neither 1 database nor 2 file); left out", a.name, a.typ)})
	return sources.Attachment{}, false
}

// kyChunks streams a database attachment one chunk per query, in chunkid
// order, decoding each chunk by its own notbase64 flag (0: base64 text).
type kyChunks struct {
	s     *Source
	query string // args: attachment id, previous chunk id
	file  int64
	name  string
	prev  int64
	buf   []byte
	eof   bool
}

func (r *kyChunks) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		var id int64
		var data []byte
		var raw int
		err := r.s.db.QueryRowContext(r.s.base, r.query, r.file, r.prev).Scan(&id, &data, &raw)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			continue
		}
		if err != nil {
			return 0, r.s.wrap(r.s.base, fmt.Sprintf("read attachment %d chunk after %d", r.file, r.prev), err)
		}
		if raw == 0 {
			dec := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
			n, err := base64.StdEncoding.Decode(dec, data)
			if err != nil {
				return 0, fmt.Errorf("attachment %q (attachmentid %d): chunk %d is marked base64 (notbase64 0) but is not: %w", r.name, r.file, id, err)
			}
			data = dec[:n]
		}
		r.prev, r.buf = id, data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *kyChunks) Close() error { r.eof, r.buf = true, nil; return nil }

// omitted counts what the preset leaves out: tickets in the trash, drafts,
// audit-log lines, attachments of no post, post notes (linktype 2).
func (k *kayako) omitted(ctx context.Context) ([]sources.Omission, error) {
	s := k.s
	var trash, drafts, audit, orphans, postNotes int
	var err error
	if trash, err = s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("tickets")+" WHERE departmentid = 0"); err != nil {
		return nil, err
	}
	if k.tabs["ticketdrafts"] {
		if drafts, err = s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("ticketdrafts")); err != nil {
			return nil, err
		}
	}
	if k.tabs["ticketauditlogs"] {
		if audit, err = s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("ticketauditlogs")); err != nil {
			return nil, err
		}
	}
	if orphans, err = s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("attachments")+" a LEFT JOIN "+k.t("ticketposts")+
		" p ON a.linktype = 1 AND p.ticketpostid = a.linktypeid WHERE a.linktype IN (1, 2) AND p.ticketpostid IS NULL"); err != nil {
		return nil, err
	}
	if postNotes, err = s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("ticketnotes")+" WHERE linktype <> 1"); err != nil {
		return nil, err
	}
	var out []sources.Omission
	out = omission(out, trash, sources.CodeLeftOutDeleted, k.pf+"tickets", "%d tickets in the trash (departmentid 0)")
	out = omission(out, drafts, sources.CodeLeftOutDraft, k.pf+"ticketdrafts", "%d drafts, never sent")
	out = omission(out, audit, sources.CodeLeftOutLineItem, k.pf+"ticketauditlogs", "%d audit-log lines: status, owner, priority, trash and merge changes")
	out = omission(out, orphans, sources.CodeLeftOutOrphanAttachment, k.pf+"attachments", "%d attachments of no post (a note's, or their post is gone)")
	out = omission(out, postNotes, sources.CodeLeftOutHidden, k.pf+"ticketnotes", "%d notes on a post (linktype 2), which Kayako 4 does not show")
	return out, nil
}

// epoch is a unix time in seconds; 0 is none.
func epoch(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// privateUse counts the characters of s in the Basic Multilingual Plane's
// private-use area, where Kayako's emoji encoder puts emoji.
func privateUse(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0xE000 && r <= 0xF8FF {
			n++
		}
	}
	return n
}

// kayakoSpan is the HTML form of the emoji encoder: the code points are in
// the inner span's class name.
var kayakoSpan = regexp.MustCompile(`<span class="emoji-outer emoji-sizer"><span class="emoji-inner emoji([0-9a-f]+(?:-[0-9a-f]+)*)"></span></span>`)

// kayakoEmoji turns the encoder's HTML spans back into their characters
// (the class names the code points); private-use characters stay.
func kayakoEmoji(s string) string {
	if !strings.Contains(s, "emoji-inner") {
		return s
	}
	return kayakoSpan.ReplaceAllStringFunc(s, func(m string) string {
		var b strings.Builder
		for _, h := range strings.Split(kayakoSpan.FindStringSubmatch(m)[1], "-") {
			c, err := strconv.ParseUint(h, 16, 32)
			if err != nil || !utf8.ValidRune(rune(c)) {
				return m
			}
			b.WriteRune(rune(c))
		}
		return b.String()
	})
}

// phpList reads a PHP serialize() of a plain array of strings or numbers
// (a:2:{i:0;s:3:"abc";i:1;i:5;}) into its values in order.
func phpList(v string) ([]string, bool) {
	rest, ok := strings.CutPrefix(v, "a:")
	if !ok {
		return nil, false
	}
	i := strings.Index(rest, ":{")
	if i < 0 {
		return nil, false
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil || n < 0 {
		return nil, false
	}
	rest = rest[i+2:]
	scalar := func() (string, bool) {
		switch {
		case strings.HasPrefix(rest, "i:") || strings.HasPrefix(rest, "d:"):
			j := strings.IndexByte(rest, ';')
			if j < 0 {
				return "", false
			}
			out := rest[2:j]
			rest = rest[j+1:]
			return out, true
		case strings.HasPrefix(rest, "s:"):
			j2 := strings.IndexByte(rest[2:], ':')
			if j2 < 0 {
				return "", false
			}
			l, err := strconv.Atoi(rest[2 : 2+j2])
			start := 2 + j2 + 2 // after `:"`
			if err != nil || l < 0 || len(rest) < start+l+2 || rest[start-1] != '"' || rest[start+l:start+l+2] != `";` {
				return "", false
			}
			out := rest[start : start+l]
			rest = rest[start+l+2:]
			return out, true
		}
		return "", false
	}
	var out []string
	for range n {
		if _, ok := scalar(); !ok {
			return nil, false
		}
		v, ok := scalar()
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, rest == "}"
}
