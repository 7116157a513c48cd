// Package mysql reads another helpdesk's MySQL/MariaDB database: osTicket
// (1.10-1.18), WHMCS (an older install moving to a new one), HESK 3.x,
// FreeScout 1.8, Blesta 5's Support Manager (3.x), or any schema through
// user-given SQL (preset custom).
//
// It only reads. Every connection's session is made read-only (SET SESSION
// TRANSACTION READ ONLY) and uses utf8mb4. Tickets are read in ticket-id
// order by keyset pages (WHERE id > ? ORDER BY id LIMIT n, never OFFSET).
// A thread is read only when ReadOptions.WantThread wants it, judged on the ticket's header
// (whose Updated is the last-change time). osTicket reads the threads of a
// page's accepted tickets together (one entries query, attachments by entry
// id in batches), so page_size bounds the memory held, and so do FreeScout
// and Blesta; the other presets read one thread at a time. Either way
// tickets are yielded one at a time, each with its whole thread, and the
// page forgets each once yielded.
// Attachment bytes are read lazily when the importer opens them: osTicket's
// database chunks one row per query, or files under attachments_dir (WHMCS,
// HESK, osTicket's filesystem plugin, FreeScout, Blesta, custom), never
// outside it: they are resolved when read, and opened when sent, by the one
// root-confined sources.RootFile, so that a symbolic link leading out is an
// attachment_path error on its ticket at validate time.
//
// The preset kit. Each preset file (osticket.go, whmcs.go, hesk.go,
// freescout.go, blesta.go, custom.go) holds only its SQL, its row types and
// its mapping to sources.Ticket. What they share is in kit.go (keyset pages,
// IN lists and batches, lookup maps, rows grouped by parent, threads sorted
// by time then id) and schema.go (the probing of tables, columns and
// grants); source.go holds the Tickets loop, dates, attachments and custom
// fields. A new preset starts from these; no preset holds a helper another
// uses.
//
// Grants. The presets learn the schema by probing each table (SELECT *
// ... LIMIT 0: all its columns, or 1146 when it does not exist), never from
// information_schema alone, which hides what the user may not read. A table
// or column a preset reads (when present, too) that the user may not see
// fails Open with an error naming each table, column and the GRANT that
// fixes it (it matches sources.ErrConfig), so a hidden column is never read
// as one this version lacks. The custom preset prepares its three queries
// at Open; a denial found later carries the GRANT too.
//
// Time zones. DATETIME columns hold wall-clock times without an offset:
// osTicket's are read in its recorded db_timezone (ost_config) when present,
// else in the configured source zone (sources.Env.Location), which is then
// required; WHMCS's and custom SQL's in the configured source zone, which
// they require (Open fails with sources.ErrConfig without it). HESK's TIMESTAMP columns are read with the session
// time zone +00:00. FreeScout's TIMESTAMPs are read in the server's default
// session zone (a time_zone in the DSN is dropped), which gives back the
// APP_TIMEZONE wall clock FreeScout wrote, and placed in source.timezone,
// which it requires (APP_TIMEZONE is in FreeScout's .env, not its database).
// Blesta's DATETIMEs are UTC; the configured zone is not used.
// '0000-00-00 00:00:00' and NULL are "missing", never year 0.
//
// WHMCS client ids are yielded only with keep_client_ids (the new install's
// clients copied with their ids); otherwise the requester's name and email
// are, for the mapping's clients: match_email to resolve.
// With keep_client_ids, a WHMCS ticket's linked service or domain
// (tbltickets.service "S12"/"D3") is yielded too (Ticket.ServiceID,
// DomainID); another value is a bad_value warning.
//
// Besides the thread, each preset yields the ticket's number (osTicket
// number, HESK trackid, WHMCS tid, FreeScout number, Blesta code), its
// assignee (osTicket staff_id, HESK owner, WHMCS flag, FreeScout user_id,
// Blesta staff_id: the staff member's name and email), its CC (osTicket's
// active collaborators, HESK's followers, WHMCS's cc, FreeScout's
// conversation cc, Blesta's recipients) and the custom fields
// sources.Env.Fields names: osTicket form fields by name or label (choices
// as their labels), HESK custom<id> columns by their titles in any language,
// WHMCS support custom fields by fieldname (or either side of
// "name|display"), FreeScout Custom Fields module fields by name (dropdowns
// as their labels), Blesta department fields by label (encrypted values a
// warning). A named field the database does not have fails Open.
// The custom preset yields none of these.
//
// Department, status and priority are yielded as the source's names
// (osTicket sub-departments as "Parent / Child"), for the mapping to refer to.
//
// The custom preset's tickets_query returns some of the columns id (required,
// the keyset key), subject, department, status, priority, email, name,
// client_id, cc (comma list), created, updated; it is wrapped as
// SELECT * FROM (tickets_query) q WHERE q.id > ? ORDER BY q.id LIMIT n.
// entries_query takes the ticket id as its one ? and returns id, type
// (reply|note), author (customer|staff), name, email, created, body (required),
// format (text|markdown|html), in thread order. attachments_query (optional)
// takes the ticket id and returns entry_id, name, path (relative to
// attachments_dir). Times are DATETIME text in the source zone, RFC 3339, or
// unix seconds. Any other column is an error.
//
// Rows left out by design (FreeScout drafts, line items, deleted, spam and
// forwarded copies, original bodies of edited threads; Blesta log rows,
// trash, other companies, orphan attachments, AI drafts) are never read as
// entries; Source.Omitted (sources.Omitter) counts them by kind for
// validate. Blesta's system replies (staff_id 0) are staff replies by
// BlestaSystemAuthor.
//
// Kayako Classic 4.x (preset kayako, kayako.go; table_prefix default sw)
// stores unix epochs: it needs no source zone and asks for none. Its
// tickets not in the trash (departmentid 0) are read; posts and ticket
// notes (linktype 1) are merged into one timeline (dateline, posts before
// notes, id), private posts and notes as notes, posts by a CC, BCC or third
// party credited to their own address; bodies HTML or text per ishtml; the
// number ticketmaskid (ticketid when t_eticketid is seq), the assignee
// ownerstaffid, CC and BCC recipients as CC, ticket custom fields by title.
// Database attachments are streamed one chunk per query, each decoded by
// its own notbase64 flag. The emoji encoder's private-use characters are
// kept, with an emoji_private_use warning per ticket; its HTML spans are
// decoded. A 3.x database is refused at Open. Trash, drafts, audit lines,
// orphan attachments and post notes are counted by Omitted.
//
// ClientExec (preset clientexec, clientexec.go) reads troubleticket and
// its troubleticket_log messages (logtype 0; private = 1 a note), staff
// told from customers by their group's isadmin, messages of no user as
// staff replies by ClientExecSystemAuthor. Its DATETIMEs are read in
// source.timezone, else in ClientExec's own "System Timezone" setting;
// without either Open fails with sources.ErrConfig. Bodies are text,
// HTML entities decoded in rows dated before 2014-04-04 05:00 UTC.
// Files are troubleticket_files' filekey under attachments_dir. The
// number is the ticket id; the assignee assignedtoid; no CC or custom
// fields. The state lines (logtype <> 0), log rows of no ticket and files
// of no message are left out and counted.
//
// A problem with one ticket's data becomes a Problem on that ticket (codes
// bad_date, missing_field, attachment_missing, attachment_path, bad_value,
// merged_ticket, unknown_entry_type); only database errors end the stream.
// Errors name the host and database, never the DSN's password.
package mysql
