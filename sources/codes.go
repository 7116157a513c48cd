package sources

// Code is a Problem's stable, machine-readable kind. Reports group by it
// and users grep for it, so a code's value never changes once released;
// its severity is set where the problem is found and is noted here when
// it differs between emitters.
//
// Every code is declared in this file, grouped by who emits it: sources
// while reading, the planner (package mapping) while mapping, and the
// importer's validation. An emitter uses these constants, never a literal.
type Code string

// Codes the sources emit while reading (sources/csv, sources/mysql).
const (
	// CodeCSVParse (error, csv): a row that cannot be parsed, or with a
	// number of fields other than the header's.
	CodeCSVParse Code = "csv_parse"
	// CodeInvalidUTF8 (error, csv): a row holding bytes that are not UTF-8.
	CodeInvalidUTF8 Code = "invalid_utf8"
	// CodeMissingField: a field the ticket needs is empty or gone. Error in
	// csv (a row without its ticket id); warning in mysql (no date, a
	// deleted user, no subject), where the planner decides what it costs.
	CodeMissingField Code = "missing_field"
	// CodeBadDate (error): a date that cannot be read (csv, mysql), or an
	// entry without a created date (planner).
	CodeBadDate Code = "bad_date"
	// CodeDSTGap (error, csv, mysql freescout): a wall-clock time skipped by
	// a DST change.
	CodeDSTGap Code = "dst_gap"
	// CodeDSTAmbiguous (warning, csv, mysql freescout): a wall-clock time
	// repeated by a DST change; the earlier instant is taken.
	CodeDSTAmbiguous Code = "dst_ambiguous"
	// CodeBadValue: an unknown entry type, author or format, or a
	// client_id that is not a number (error); a WHMCS ticket's service that
	// is neither S<id> nor D<id> (warning, mysql whmcs: it is dropped).
	CodeBadValue Code = "bad_value"
	// CodeDuplicateTicket (error, csv): a ticket id already used by an
	// earlier row.
	CodeDuplicateTicket Code = "duplicate_ticket"
	// CodeUnknownTicket (error, csv): messages naming a ticket that
	// tickets.csv does not have.
	CodeUnknownTicket Code = "unknown_ticket"
	// CodeAttachmentEscape (error, csv): an attachment path leading outside
	// the CSV directory.
	CodeAttachmentEscape Code = "attachment_escape"
	// CodeAttachmentPath (mysql): an attachment path leading outside
	// attachments_dir. A stored path that leads out is a warning, and the
	// attachment is dropped; a symbolic link in attachments_dir leading out
	// of it is an error on its ticket.
	CodeAttachmentPath Code = "attachment_path"
	// CodeAttachmentMissing: an attachment that cannot be read (not there,
	// not a regular file, removed, in an unreadable storage). Error in csv;
	// warning in mysql, where the entry goes without it.
	CodeAttachmentMissing Code = "attachment_missing"
	// CodeUnknownColumn (warning, csv): columns that are ignored, reported
	// once per file on the first ticket.
	CodeUnknownColumn Code = "unknown_column"
	// CodeMergedTicket (warning, mysql osticket): a ticket merged into
	// another, whose entries may appear there too.
	CodeMergedTicket Code = "merged_ticket"
	// CodeUnknownEntryType (warning, mysql osticket): a thread entry of a
	// type other than message, response or note; it is skipped.
	CodeUnknownEntryType Code = "unknown_entry_type"
	// CodeEmojiPrivateUse (warning, mysql kayako): a ticket whose subject or
	// posts hold private-use characters (U+E000-U+F8FF), which Kayako
	// 4.x's emoji encoder stores in place of emoji and of (c) (r) (tm);
	// they are sent as they are, once per ticket, with their count.
	CodeEmojiPrivateUse Code = "emoji_private_use"
)

// Codes of the rows a source leaves out by design (severity info), counted
// by kind by the source's Omitted (sources.Omitter) and reported by
// validate: what is not migrated is seen, not silent.
const (
	// CodeLeftOutDraft (info): drafts, never sent (FreeScout draft
	// conversations and threads).
	CodeLeftOutDraft Code = "left_out_draft"
	// CodeLeftOutLineItem (info): status, assignment and other change lines
	// (FreeScout line items, Blesta log rows).
	CodeLeftOutLineItem Code = "left_out_line_item"
	// CodeLeftOutDeleted (info): deleted tickets (FreeScout deleted
	// conversations, merged ones among them; Blesta trash).
	CodeLeftOutDeleted Code = "left_out_deleted"
	// CodeLeftOutSpam (info): tickets marked spam (FreeScout).
	CodeLeftOutSpam Code = "left_out_spam"
	// CodeLeftOutForwardCopy (info): copies a forward made of a note
	// (FreeScout), and conversations holding nothing else.
	CodeLeftOutForwardCopy Code = "left_out_forward_copy"
	// CodeLeftOutHidden (info): entries the helpdesk does not show (FreeScout
	// hidden or in-review threads, chat threads).
	CodeLeftOutHidden Code = "left_out_hidden"
	// CodeLeftOutEditedOriginal (info): the first text of an edited entry;
	// the current one is migrated (FreeScout body_original).
	CodeLeftOutEditedOriginal Code = "left_out_edited_original"
	// CodeLeftOutOrphanAttachment (info): attachments of no saved entry
	// (Blesta reply_id 0 or a reply that is gone).
	CodeLeftOutOrphanAttachment Code = "left_out_orphan_attachment"
	// CodeLeftOutAIDraft (info): AI-suggested replies (Blesta 3.2+), drafts.
	CodeLeftOutAIDraft Code = "left_out_ai_draft"
	// CodeLeftOutOtherCompany (info): tickets of another company than the
	// configured company_id (Blesta multi-company installs).
	CodeLeftOutOtherCompany Code = "left_out_other_company"
)

// Codes the planner (package mapping) emits. Errors fail the ticket;
// warnings say what the import changes or loses. The planner also emits
// CodeBadDate.
const (
	// CodeMissingSubject (error): a ticket without a subject.
	CodeMissingSubject Code = "missing_subject"
	// CodeNoMessage (error): a thread without a reply to open the ticket
	// with (only notes, or nothing).
	CodeNoMessage Code = "no_message"
	// CodeMissingRequester (error): no requester email, no client id and
	// no fallback requester.
	CodeMissingRequester Code = "missing_requester"
	// CodeInvalidEmail (error): a requester, cc or author email that is not
	// an address.
	CodeInvalidEmail Code = "invalid_email"
	// CodeUnmappedDepartment (error): a department the mapping does not
	// give a deptid for, with no default department.
	CodeUnmappedDepartment Code = "unmapped_department"
	// CodeUnmappedStatus (error): a status that is neither mapped nor a
	// WHMCS status, or mapped to a status WHMCS does not have.
	CodeUnmappedStatus Code = "unmapped_status"
	// CodeUnmappedPriority (error): a priority that is neither mapped nor
	// Low, Medium or High.
	CodeUnmappedPriority Code = "unmapped_priority"
	// CodeUnmappedStaff (error): a staff author with no admin username, or
	// mapped to a username WHMCS does not have.
	CodeUnmappedStaff Code = "unmapped_staff"
	// CodeFutureDate (error): a created date after the WHMCS server's clock.
	CodeFutureDate Code = "future_date"
	// CodeEmptyBody (error): an entry whose body is empty once converted.
	CodeEmptyBody Code = "empty_body"
	// CodeBadHTML (error): an HTML body the converter refused.
	CodeBadHTML Code = "bad_html"
	// CodeDuplicateEntryID (error): two entries of one ticket share a
	// source id.
	CodeDuplicateEntryID Code = "duplicate_entry_id"
	// CodeThreadSkipped (error): Plan called on a ticket whose thread was
	// not read (Ticket.ThreadSkipped).
	CodeThreadSkipped Code = "thread_skipped"
	// CodeTargetTimeAmbiguous (warning): a date in the hour the WHMCS
	// server's zone repeats when clocks go back; it reads back as the
	// earlier instant.
	CodeTargetTimeAmbiguous Code = "target_time_ambiguous"
	// CodeHTMLConverted (warning): an HTML body sent converted to Markdown.
	CodeHTMLConverted Code = "html_converted"
	// CodeNoteAuthorPrefixed (warning): a note sent prefixed with its
	// author's name, since WHMCS notes have no author.
	CodeNoteAuthorPrefixed Code = "note_author_prefixed"
	// CodeGuestRequester (warning): a match_email lookup found no client;
	// the ticket is a guest's.
	CodeGuestRequester Code = "guest_requester"
	// CodeFallbackRequester (warning): a ticket without requester email or
	// client id, opened as the configured fallback requester, a guest.
	CodeFallbackRequester Code = "fallback_requester"
	// CodeStaffOpened (warning): the first reply is staff's; the ticket is
	// opened as its requester.
	CodeStaffOpened Code = "staff_opened"
	// CodeAutocloseStatus (warning): the ticket ends Answered or
	// Customer-Reply, which WHMCS's inactive-ticket auto-close may close.
	CodeAutocloseStatus Code = "autoclose_status"
	// CodeInlineImageMissing (warning): a body's inline image (cid:) is not
	// among the entry's attachments; only a marker is sent.
	CodeInlineImageMissing Code = "inline_image_missing"
	// CodeFourByteText (warning, once per ticket): text sent holds
	// characters above U+FFFF, which a MySQL utf8 WHMCS stores as "?".
	CodeFourByteText Code = "four_byte_text"
	// CodeDriftEdited (warning, incremental): an imported entry was edited
	// at the source; WHMCS keeps the imported version.
	CodeDriftEdited Code = "drift_edited"
	// CodeDriftDeleted (warning, incremental): an imported entry was
	// deleted at the source; WHMCS keeps it.
	CodeDriftDeleted Code = "drift_deleted"
	// CodeUnmappedAssignee (warning): the ticket's assignee is not in
	// mapping.staff, or maps to an admin WHMCS does not have; the ticket
	// is imported unassigned.
	CodeUnmappedAssignee Code = "unmapped_assignee"
	// CodeDriftDepartment (warning, incremental): the ticket's department
	// now maps to another deptid.
	CodeDriftDepartment Code = "drift_department"
)

// Codes the importer's validation emits, and its runs.
const (
	// CodeWHMCSCall (error, run): a ticket whose WHMCS call failed after
	// the retries, or whose earlier write could not be reconciled; the
	// failures file names it, and the next run retries it.
	CodeWHMCSCall Code = "whmcs_call"
	// CodeAdoptAmbiguous (error, run): a ticket the checkpoint does not
	// know that more than one WHMCS ticket matches, or whose WHMCS ticket
	// matches another source ticket too (identical twins); the message
	// names the WHMCS tickets. Nothing is guessed: the ticket is neither
	// adopted nor opened again.
	CodeAdoptAmbiguous Code = "adopt_ambiguous"
	// CodeAttachmentExtension (warning): an attachment whose extension is
	// not in the allow-list; WHMCS refuses or drops such files.
	CodeAttachmentExtension Code = "attachment_extension"
	// CodeAttachmentTooLarge (warning): an attachment whose encoded request
	// is over the web server's size limit.
	CodeAttachmentTooLarge Code = "attachment_too_large"
	// CodeRequestTooLarge (error): one of the ticket's calls, encoded as
	// it will be sent, is over target.max_request_size (PHP's
	// post_max_size); or WHMCS refused one for its size. The ticket fails
	// before any of its calls.
	CodeRequestTooLarge Code = "request_too_large"
	// CodeAlreadyImported (warning): the checkpoint has the ticket as
	// imported and nothing changed since; run skips it.
	CodeAlreadyImported Code = "already_imported"
	// CodeUnknownDepartmentID (error): the mapping gives a deptid that
	// WHMCS does not have.
	CodeUnknownDepartmentID Code = "unknown_department_id"
	// CodeCustomFieldTooLong (error): a custom-field value (or the ticket
	// number) longer than WHMCS keeps in tblcustomfieldsvalues.value.
	CodeCustomFieldTooLong Code = "custom_field_too_long"
	// CodeUnknownService (error): the ticket's linked service or domain
	// (serviceid/domainid) is not one of its client's in WHMCS.
	CodeUnknownService Code = "unknown_service"
)
