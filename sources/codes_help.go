package sources

// CodeHelp is what a report shows beside a problem code: what it means, in
// one line, and how to fix it.
type CodeHelp struct {
	What string `json:"what"`
	Fix  string `json:"fix"`
}

// Help returns the explanation and fix of c; ok is false for a code
// without one (every code in codes.go has one: a test checks).
func (c Code) Help() (h CodeHelp, ok bool) {
	h, ok = codeHelp[c]
	return h, ok
}

var codeHelp = map[Code]CodeHelp{
	CodeUnmappedAssignee: {"The ticket's assignee is not in mapping.staff, or maps to an admin WHMCS does not have; the ticket is imported unassigned.",
		"Add the assignee's email or name to mapping.staff with a WHMCS admin username."},
	CodeCustomFieldTooLong: {"A custom-field value (or the old ticket number) is longer than WHMCS keeps (65,535 bytes).",
		"Shorten the value in the source, or do not map that field."},
	CodeUnknownService: {"The ticket's linked service or domain is not one of its client's in WHMCS.",
		"Check that the client's services and domains were copied with their ids (keep_client_ids), or clear the link."},
	CodeCSVParse:         {"A CSV row cannot be parsed (a stray quote) or has another number of fields than the header.", "Quote fields holding the delimiter, quotes or newlines; check source.delimiter."},
	CodeInvalidUTF8:      {"A row holds bytes that are not UTF-8.", "Set source.encoding (windows-1252, iso-8859-1, utf-16) or save the file as UTF-8."},
	CodeMissingField:     {"A field the ticket needs is empty: a row without its ticket id, or (MySQL) a deleted user or missing date.", "Fill in the id in the file, or check the row in the source database."},
	CodeBadDate:          {"A date that cannot be read, or an entry without a date.", "Use YYYY-MM-DD HH:MM:SS, RFC 3339 or Unix seconds."},
	CodeDSTGap:           {"A local time that does not exist: clocks jumped over it for daylight saving.", "Check source.timezone, or correct the time in the source."},
	CodeDSTAmbiguous:     {"A local time that happened twice when clocks went back; the earlier is taken.", "Nothing to do unless the later one was meant: give the time with an offset."},
	CodeBadValue:         {"An unknown entry type, author or format, or a client_id that is not a number.", "Use reply/note, customer/staff, text/markdown/html, and numeric client ids."},
	CodeDuplicateTicket:  {"Several rows of tickets.csv use the same ticket id; none is imported.", "Give each ticket its own id, or remove the extra rows."},
	CodeUnknownTicket:    {"Messages name a ticket that tickets.csv does not have.", "Add the ticket to tickets.csv, or fix the messages' ticket_id."},
	CodeAttachmentEscape: {"An attachment path leads outside the CSV directory; it is refused.", "Copy the file into the CSV directory and use a relative path."},
	CodeAttachmentPath:   {"An attachment path leads outside attachments_dir: a stored path (the attachment is dropped) or a symbolic link (the ticket is refused).", "Check source.attachments_dir, the stored paths and the links in the directory."},
	CodeAttachmentMissing: {"An attachment cannot be read: not there, not a file, or unreadable.",
		"Put the file where the path says, or remove it from the message."},
	CodeUnknownColumn: {"Columns the CSV reader does not know are ignored.", "Rename them with source.columns if they hold our data; otherwise nothing to do."},
	CodeMergedTicket:  {"The ticket was merged into another in osTicket; its entries may appear there too.", "Nothing to do; check the merged ticket after the import."},
	CodeUnknownEntryType: {"A thread entry of an unknown type is skipped.",
		"Nothing to do unless it holds conversation: report the type."},
	CodeEmojiPrivateUse: {"Kayako's emoji encoder stored emoji and (c) (r) (tm) as private-use characters (U+E5C8 for a rocket); they are sent as they are.",
		"Nothing is lost; replace them in Kayako before migrating if they matter."},
	CodeMissingSubject:   {"The ticket has no subject; WHMCS refuses one without.", "Give it a subject in the source."},
	CodeNoMessage:        {"The ticket has no reply to open it with (only notes, or nothing).", "Add its first message to the source, or leave it out."},
	CodeMissingRequester: {"No requester email, no client id and no fallback requester.", "Set mapping.fallback_requester, or fill in the requester."},
	CodeInvalidEmail:     {"An email address that is not one.", "Correct the address in the source."},
	CodeUnmappedDepartment: {"A department the mapping gives no WHMCS department for.",
		"Add it to mapping.departments, or set mapping.default_department."},
	CodeUnmappedStatus:      {"A status that is neither mapped nor a WHMCS status.", "Add it to mapping.statuses, or create the status in WHMCS."},
	CodeUnmappedPriority:    {"A priority that is neither mapped nor Low, Medium or High.", "Add it to mapping.priorities."},
	CodeUnmappedStaff:       {"A staff author with no WHMCS admin username, or one WHMCS does not have.", "Add them to mapping.staff, or set mapping.default_staff."},
	CodeFutureDate:          {"A date after the WHMCS server's clock; WHMCS refuses it.", "Correct the date, or check source.timezone."},
	CodeEmptyBody:           {"A message whose body is empty once converted; WHMCS refuses it.", "Give it text in the source, or remove it."},
	CodeBadHTML:             {"An HTML body the converter could not read.", "Correct the HTML, or send the body as text."},
	CodeDuplicateEntryID:    {"Two entries of one ticket share a source id.", "Give each message its own id within its ticket."},
	CodeThreadSkipped:       {"The ticket's thread was not read, so it cannot be planned.", "A bug if seen in a report: run again."},
	CodeTargetTimeAmbiguous: {"A date in the hour the WHMCS server's zone repeats; it reads back as the earlier one.", "Nothing to do; the wall-clock time shown is right."},
	CodeHTMLConverted:       {"An HTML body is sent converted to Markdown.", "Nothing to do; check a few such tickets in WHMCS."},
	CodeNoteAuthorPrefixed:  {"WHMCS notes have no author, so the note starts with its author's name.", "Nothing to do; mapping.note_author_prefix: false turns it off."},
	CodeGuestRequester:      {"No WHMCS client has the requester's email: the ticket is a guest's.", "Create the client in WHMCS first if it should be theirs."},
	CodeFallbackRequester:   {"A ticket without requester is opened as mapping.fallback_requester.", "Nothing to do, unless the requester can be found."},
	CodeStaffOpened:         {"The first reply is staff's; the ticket is opened as its requester.", "Nothing to do; WHMCS has no staff-opened tickets through the API."},
	CodeAutocloseStatus:     {"The ticket ends Answered or Customer-Reply, which WHMCS auto-close may close.", "Map the status to Closed or On Hold, or turn auto-close off during the import."},
	CodeInlineImageMissing:  {"An inline image (cid:) is not among the attachments; only a marker is sent.", "Nothing to do unless the image matters: attach it."},
	CodeFourByteText:        {"Text holds characters above U+FFFF (emoji), which a MySQL utf8 WHMCS stores as ?.", "Set mapping.four_byte_text: name, or convert WHMCS's tables to utf8mb4."},
	CodeDriftEdited:         {"An imported entry was edited at the source; WHMCS keeps the imported version.", "Edit it in WHMCS by hand if the change matters."},
	CodeDriftDeleted:        {"An imported entry was deleted at the source; WHMCS keeps it.", "Delete it in WHMCS by hand if it should go."},
	CodeDriftDepartment:     {"The ticket's department now maps to another WHMCS department.", "Run with --apply-department-changes to move it."},
	CodeWHMCSCall:           {"A WHMCS call kept failing after the retries.", "Read the error; the next run retries the ticket."},
	CodeAdoptAmbiguous: {"WHMCS holds tickets that match this one alike, or one that matches two source tickets alike; none is adopted.",
		"Delete the duplicate WHMCS ticket, or check which one is this ticket's (whmcs-migrate adopt lists them)."},
	CodeAttachmentExtension: {"An attachment's extension is not allowed; WHMCS refuses or drops it.", "Allow it in WHMCS and validate.allowed_extensions, or zip the file."},
	CodeAttachmentTooLarge:  {"An attachment's request is over the web server's size limit.", "Raise the limit (post_max_size, client_max_body_size) or shrink the file."},
	CodeRequestTooLarge:     {"A call of the ticket is over target.max_request_size (PHP's post_max_size): WHMCS would see it empty.", "Raise post_max_size (and nginx's client_max_body_size) and target.max_request_size, or shrink the entry."},
	CodeAlreadyImported:     {"The checkpoint has the ticket imported and unchanged; run skips it.", "Nothing to do."},
	CodeUnknownDepartmentID: {"The mapping gives a department id WHMCS does not have.", "Fix mapping.departments with ids from WHMCS (Setup > Support > Departments)."},
	CodeLeftOutDraft:        {"Drafts, never sent, are not migrated (counted, not errors).", "Nothing to do; send or delete them in the old helpdesk first if they matter."},
	CodeLeftOutLineItem:     {"Status, assignment and other change lines are not migrated (counted).", "Nothing to do: the ticket's current state is migrated."},
	CodeLeftOutDeleted:      {"Deleted or trashed tickets are not migrated (counted).", "Nothing to do; restore them in the old helpdesk first if they matter."},
	CodeLeftOutSpam:         {"Tickets marked spam are not migrated (counted).", "Nothing to do; mark them not spam in the old helpdesk if they matter."},
	CodeLeftOutForwardCopy:  {"Copies a forward made of a note are not migrated; the note is (counted).", "Nothing to do."},
	CodeLeftOutHidden:       {"Entries the helpdesk does not show (hidden, in review, chat) are not migrated (counted).", "Nothing to do."},
	CodeLeftOutEditedOriginal: {"The first text of edited entries is not migrated; the edited text is (counted).",
		"Nothing to do."},
	CodeLeftOutOrphanAttachment: {"Attachments of no saved entry are not migrated (counted).", "Nothing to do."},
	CodeLeftOutAIDraft:          {"AI-suggested replies, drafts never sent, are not migrated (counted).", "Nothing to do."},
	CodeLeftOutOtherCompany: {"Tickets of other companies than source.company_id are not read (counted).",
		"Run again with that company's company_id (and its own checkpoint) to move them."},
}
