// Package csv is the CSV source: a directory holding tickets.csv (one row
// per ticket) and messages.csv (one row per reply or note), in the format
// the README documents.
//
// It reads and decodes, nothing else. Rows are matched to our columns by a
// case-insensitive header (renamed with Options.Columns); a header without
// a required column (id, subject, ticket_id, created, body) is one Open
// error matching sources.ErrConfig, and the unknown columns one bounded
// warning per file. Dates go through sources.DateFormat (Options.DateFormat,
// a strftime layout, besides sources.ParseTime's forms) in the source's
// zone (without one, a date without an offset is a bad_date error, never
// UTC; a day-first date without a format is a bad_date naming the option,
// never guessed); attachments are paths inside the directory ("\" read as
// "/"), opened only when the importer sends them. What is malformed in
// the files (a row that cannot be parsed, invalid UTF-8, a bad date or
// value, an attachment outside the directory or missing, a duplicate ticket
// id, messages of an unknown ticket) becomes a Problem on that ticket, and
// the other tickets go on. Business rules (a missing subject, an empty body,
// unmapped values, invalid emails) are the planner's, not this package's.
//
// Files in another delimiter or encoding (Options.Delimiter, .Encoding) are
// read through golang.org/x/text: a non-UTF-8 file is decoded once into a
// temporary UTF-8 copy (in sources.Env.TempDir, the command's own
// directory), removed by Close, so offsets and lines below are
// the copy's, and its lines the file's. A ticket id used by several rows
// is one failed ticket naming every line (a pre-pass over tickets.csv
// finds them).
//
// Tickets are streamed in tickets.csv order. messages.csv need not be
// sorted: each pass indexes it once (ticket id -> record offsets, never
// bodies) and reads a ticket's messages by seeking, so memory grows with
// the number of messages' offsets, not their size.
package csv
