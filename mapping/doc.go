// Package mapping turns a source ticket into a plan: the exact list of
// WHMCS calls that reproduce it, in order, with every problem that would
// make the import fail or change something.
//
// Config says how source values become WHMCS values (departments, statuses,
// priorities, staff, how requesters become clients). A department is
// given by deptid or by WHMCS name (Department); NewPlanner resolves names
// with the list Options.DepartmentNames gives (GetSupportDepartments, read
// by the caller), and refuses a name WHMCS lacks. A Planner applies the
// Config to one ticket at a time:
//
//   - a new ticket is opened with OpenTicket by its earliest reply (customer
//     or staff), as its requester, backdated, always with noemail;
//   - every other entry follows in created order (ties in source order) as
//     AddTicketReply (noemail, backdated; staff as their admin username,
//     the requester by client id when a client, anyone else by name and
//     email) or AddTicketNote (backdated, prefixed with the author's name
//     since WHMCS notes have none), so notes older than the opening reply
//     come right after OpenTicket;
//   - the final status costs no call when WHMCS arrives at it by itself
//     (OpenTicket leaves Open, a staff reply Answered, a customer reply
//     Customer-Reply, a note nothing), is folded into the last reply's
//     status otherwise, and takes one UpdateTicket at the end only when
//     there is no reply to fold it into (or a priority or department change
//     needs that call anyway);
//   - ticket-level values ride on those calls: the old ticket number
//     (Config.TicketNumberField) and mapped custom fields
//     (Config.CustomFields) on OpenTicket's customfields, the CC on its cc;
//     the assignee (Ticket.Assignee through Config.Staff to an admin id,
//     AdminResolver) has only UpdateTicket flag, so it is folded into the
//     final UpdateTicket when the ticket needs one, and otherwise costs one
//     (which then carries the final status too);
//   - with match_email, a requester or customer-reply author who is a
//     client's contact (ContactResolver) is sent as clientid + contactid;
//   - an already imported ticket (a Prior from the checkpoint) gets only
//     its new entries, plus the status and priority changes and the
//     ticket-level values that changed since Prior.Fields (one
//     UpdateTicket), and changes WHMCS cannot express (an edited or deleted
//     entry, a moved department) are reported as Drift; with
//     Options.ApplyEdits an edited reply becomes an UpdateTicketReply step
//     (StepEdit) and an edited opening message rides on the UpdateTicket,
//     notes staying drift.
//
// Problem codes are the sources.Code constants: sources/codes.go explains
// each, and the planner's are its second group. Errors (the ticket is not
// imported): missing_subject, no_message, missing_requester,
// invalid_email, unmapped_department, unmapped_status, unmapped_priority,
// unmapped_staff, bad_date, future_date, empty_body, bad_html,
// duplicate_entry_id, thread_skipped, custom_field_too_long,
// request_too_large (a step whose call, encoded as it is sent with its
// attachments' base64, is over Options.MaxRequestSize: the whole ticket is
// not sent). Warnings:
// unmapped_assignee (imported unassigned), target_time_ambiguous (a
// date in the WHMCS zone's repeated hour), html_converted,
// note_author_prefixed, guest_requester (a match_email lookup found no
// client), fallback_requester (no requester email nor client id: opened as
// Config.FallbackRequester, a guest), staff_opened, autoclose_status (the
// ticket ends Answered or Customer-Reply), inline_image_missing (a cid:
// image of the body that is not among the entry's attachments; see
// ConvertBody), four_byte_text (one per ticket: characters above U+FFFF,
// which a MySQL utf8 WHMCS stores as "?", in the subject, names or bodies
// sent; with Config.FourByteText name they are sent as
// "[U+1F680 ROCKET]"). Drift (warnings, incremental): drift_edited,
// drift_deleted, drift_department. An incremental plan checks only what it
// sends: entries already imported are not re-checked.
//
// Entries are identified by EntryKey (the source's id, or a hash of
// created time, author and body) and their content by EntryHash.
//
// The planner does not send anything, retry or checkpoint, and reads an
// attachment only to learn a size its source does not know: the importer
// executes plans. Its only calls to WHMCS are
// the read-only lookups behind a ClientResolver, a ContactResolver and an
// AdminResolver. Each reads its list once (the ones here are Preloaders,
// so that the preflight's permission check of their action is that first
// read). Data problems are never Go errors: they are sources.Problems in
// the plan, errors failing the ticket and warnings reporting what changes.
package mapping
