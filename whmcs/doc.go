// Package whmcs is the client of the WHMCS external API
// (POST /includes/api.php) for the calls a ticket migration needs:
// OpenTicket, AddTicketReply, AddTicketNote, UpdateTicket,
// UpdateTicketReply (applied edits), GetTicket, and for validation, resume,
// verification and rollback GetTickets, GetSupportDepartments,
// GetSupportStatuses, GetClients, GetContacts, GetAdminUsers,
// GetWHMCSDetails, GetConfigurationValue and DeleteTicket.
//
// The layers, innermost first:
//
//   - Request: each call's typed parameters. Encode renders them as WHMCS
//     reads them: false flags omitted (PHP reads "false" as true), true as
//     "1", times as "YYYY-MM-DD HH:MM:SS" in the WHMCS server's zone,
//     attachments and customfields in WHMCS's encodings (EncodeAttachments,
//     EncodeCustomFields).
//   - *HTTP, the innermost Caller: one honest round trip, whose answer is
//     classified whatever its HTTP status into success or an *Error of a
//     Kind (business, auth, throttled, server, transport, too_large: a 413,
//     or Authentication Failed on a body of LargeRequest bytes or more,
//     which PHP's post_max_size emptied). For a write,
//     Error.MaybeProcessed says whether WHMCS may have acted on it (the body
//     was sent and no clear refusal came back): such a call must be
//     reconciled by reading WHMCS, never re-sent blindly.
//   - Callers that wrap a Caller to add policy: ReadOnly here (dry-run);
//     rate limits and retries are the layers of whmcs/policy. Each wrapper
//     implements Unwrapper, so that Find reaches a layer of a composed
//     stack (the *HTTP, for the server's clock or a call without retries).
//   - Client: typed methods over any Caller, decoding WHMCS's loosely typed
//     JSON (numbers as strings, wrapped lists in several shapes) and its
//     naive dates, read in the server's zone.
//
// Sizes: RequestSize (and HTTP.BodySize, credentials included) is the
// exact size of the body Call sends for a request, computed before it is
// sent; attachments are sized from their names and sizes alone
// (AttachmentsSize), so a ticket can be sized before its files are read.
//
// Knowing the target:
//
//   - Preflight checks, before anything is written, that the API answers
//     fast and as WHMCS, to these credentials from this address, in a
//     version that keeps `created` (8.0+), with a role that allows every
//     action needed (tried with parameters that cannot change anything).
//   - Identify reads which WHMCS answers (Identity: its API URL's site and
//     the install's System URL, GetConfigurationValue), so that a
//     checkpoint can refuse another WHMCS than its own.
//   - CheckZone compares the configured zone with WHMCS's, without a
//     write: GetAdminDetails' requesttime (WHMCS's wall clock now) against
//     the same answer's Date header (UTC).
//   - TextProfile is what an install does to the text it stores (the input
//     sanitiser's HTML entities, 3-byte tables' "?"): Match and MatchDigest
//     compare a sent text with what WHMCS gives back in the form the
//     install is known to store, and learn that form from the pair.
//
// This package never retries, sleeps or rate-limits, and never writes the
// API secret, password or access key into an error or a log line.
package whmcs
