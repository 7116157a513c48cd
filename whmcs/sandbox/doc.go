// Package sandbox is an in-memory WHMCS serving the external API
// (POST /includes/api.php) over real HTTP. It is a product room: it ships
// in the binary, where `whmcs-migrate sandbox` serves it so that users can
// rehearse a migration and `whmcs-migrate demo` imports the samples into
// it; and every test of whmcs-migrate runs against it, through the test
// helper whmcs/whmcstest (whose NewServer panics where Start returns an
// error).
//
//	s, err := sandbox.Start(sandbox.Options{TimeZone: chicago}) // or New, and serve s.Handler() yourself
//	if err != nil { ... }
//	defer s.Close()
//	h, err := whmcs.NewHTTP(s.ClientOptions()) // or POST to s.APIURL() with s.Identifier and s.Secret
//	// ... call WHMCS through h; then
//	st := s.State() // every ticket, reply, note, attachment and email
//
// As product code it returns errors, never panics on its input (HTTP and
// Client are test conveniences that do), and imports only the standard
// library, the whmcs client package and the YAML reader of its seed
// (internal/archtest checks): no engine, source, checkpoint or test
// support.
//
// It is a faithful simulator, not a mock: it implements the calls a
// migration needs (OpenTicket, AddTicketReply, AddTicketNote,
// UpdateTicket, UpdateTicketReply, GetTicket, GetTickets,
// GetSupportDepartments, GetSupportStatuses, GetClients, GetContacts,
// GetAdminUsers, DeleteTicket, MergeTicket, GetWHMCSDetails,
// GetConfigurationValue) with the
// documented validations, error strings and HTTP status codes of the
// research notes on the WHMCS API (error catalogue, per-call errors). It must not grow
// shortcuts that make a client pass here and fail on a real WHMCS.
//
// # Transport and authentication
//
// Bodies are application/x-www-form-urlencoded or multipart/form-data
// (file parts are ignored; attachments go in the attachments field).
// A body larger than Options.MaxBodyBytes is read as an empty form, as PHP
// does past post_max_size, so it is answered 403 Authentication Failed.
// GetAdminDetails answers a requesttime, the moment of the call in
// Options.TimeZone's wall clock, as WHMCS's PHP date() writes it: the
// zone evidence whmcs.CheckZone reads against the Date header.
// Action names are case-insensitive; unknown parameters are ignored.
// Answers are JSON whatever responsetype says, except responsetype=xml,
// which is answered with a <whmcsapi> error document (HTTP 200) and not
// processed. Checks, in order:
//
//	IP not in AllowedIPs (and no matching accesskey)  InvalidIPStatus  Invalid IP <ip>
//	no credentials, or a wrong secret or password      403  Authentication Failed
//	unknown identifier or username                     403  Invalid or missing credentials
//	legacy login of a disabled seed admin              403  Administrator Account Disabled
//	no action                                          400  Empty action request
//	unknown action                                     400  Invalid API Action: "<lc>" is not a valid API action
//	action not in AllowedActions, or in DeniedActions  403  Invalid Permissions: API action "<lc>" is not allowed
//
// Call errors are HTTP 200 with {"result":"error","message":...}.
//
// # Storage: how text comes back
//
// The zero Options store text literally, which no real WHMCS does. Two
// options make the sandbox store it as real installs do, so that a tool
// that compares what it sent with what WHMCS returns is proven against it:
//
//   - Sanitize: WHMCS passes every request parameter (but action,
//     responsetype and the credentials) through htmlspecialchars with
//     ENT_QUOTES before the call runs, so & < > " ' are stored and returned
//     as &amp; &lt; &gt; &quot; &#039; (an entity sent is encoded again:
//     "&amp;" comes back "&amp;amp;"). Filters compare sanitised with
//     sanitised: GetTickets subject="Tom & Jerry" finds the ticket stored
//     as "Tom &amp; Jerry". The call validates what it is given, the
//     sanitised value (a sandbox choice: an email with an apostrophe is
//     then "Email Address Invalid"). The seed is held as if typed into
//     WHMCS, sanitised too.
//   - ThreeByte: tables in MySQL utf8 (utf8mb3) keep characters up to
//     U+FFFF; each one above (emoji) is stored as "?". This applies to text
//     parameters, the seed, and attachment file names once decoded from the
//     attachments parameter (the sanitiser never sees those: they travel in
//     base64, as custom fields do).
//
// Options.StoredText (and StoredFileName) say what a value becomes, so a
// test can compute the state it expects; State.Storage and GET
// /_sandbox/state show the mode. `whmcs-migrate sandbox` and the demo turn
// both on unless --literal is given.
//
// Options.SystemURL is the install's System URL that GetConfigurationValue
// setting=SystemURL reports (default: the server's own URL and "/"), the
// cheap read by which a checkpoint knows which install it belongs to. No
// other setting is modelled (their value is "").
//
// Options.Version is the WHMCS version that GetWHMCSDetails reports
// ({"result":"success","whmcs":{"version":"8.13.1","canonicalversion":
// "8.13.1-release.1"}}). Below 8.0, created is an unknown parameter and
// ignored: messages, tickets and notes are dated now, and a malformed or
// future created is no error.
//
// # Choices where WHMCS is undocumented
//
//   - created: "YYYY-MM-DD HH:MM:SS" or ISO 8601 (T or space, optional
//     seconds, fraction, Z or ±hh[:mm]). Without an offset it is
//     server-local (Options.TimeZone); with one it is converted. Later than
//     Now is refused with the call's own message (AddTicketNote and
//     UpdateTicket use the ticket wording). Absent, the date is now.
//   - lastreply is the latest date among the opening message and the
//     replies (so a backdated import keeps historical lastreply); notes do
//     not count.
//   - AddTicketReply with an adminusername that is no seed admin fails
//     with "Admin Username Not Found". An admin reply sets Answered, any
//     other reply Customer-Reply (a Closed ticket reopens), status
//     overrides; a note never changes the status.
//   - OpenTicket: an unknown priority becomes Medium; a serviceid or
//     domainid must be a seed service or domain ("Service ID Not Found",
//     "Domain ID Not Found"; whose it is is not checked, as WHMCS's
//     documentation does not say it is), GetTicket shows it as service
//     "S<id>"/"D<id>"; userid must be a seed client; admin=1 attributes the ticket to the API admin. A contactid
//     (OpenTicket, AddTicketReply) must be a seed contact of the clientid
//     sent, else "Contact ID Not Found"; GetTicket then shows the contact
//     as requestor (requestor_type "Contact").
//   - Custom fields (OpenTicket, UpdateTicket customfields) are stored
//     decoded; GetTicket does not return them, as in WHMCS, so State shows
//     them (TicketState.CustomFields). UpdateTicket changes the fields it
//     names and keeps the others; a cc sent empty clears the CC.
//   - UpdateTicketReply (replyid and message required, markdown and
//     created optional, no email) changes a reply's message and date. Its
//     error texts are not documented: "Reply ID Required", "Message is
//     Required", "Reply ID Not Found" are the sandbox's.
//   - GetClientsProducts (clientid, serviceid) and GetClientsDomains
//     (clientid, domainid) list the seed's services and domains:
//     products.product[] {id, clientid, name}, domains.domain[] {id,
//     userid, domainname}.
//   - GetContacts filters by userid and email (exact, case-insensitive)
//     and pages like GetClients: contacts.contact[] with id, userid,
//     firstname, lastname, email.
//   - Malformed attachments or customfields: "Unable to decode
//     attachments" / "Unable to decode custom fields".
//   - GetTicket (by ticketid or ticketnum; unknown: "Ticket ID Not
//     Found"): replies.reply[0] is the opening message (replyid "0") for
//     repliessort ASC (the default); DESC reverses the whole list, so the
//     opening message comes last. Replies are in creation (id) order.
//   - GetTickets orders by id descending; email matches the ticket's email
//     exactly (case-insensitive), subject is a case-insensitive substring;
//     status also takes "Awaiting Reply", "All Active Tickets" and "My
//     Flagged Tickets" (see Status.Active and Status.Awaiting). An empty
//     page has no "tickets" key, as WHMCS omits it.
//   - Department scoping: GetTickets and GetSupportDepartments show only
//     the API admin's departments (Admin.Departments, empty = all) unless
//     ignore_dept_assignments is set.
//   - Emails: OpenTicket without noemail, and AddTicketReply by an admin
//     without noemail, log one client email (see Server.Emails). Booleans
//     follow PHP: "", "0" are false, anything else ("false" too) is true.
//     Cron jobs (auto-close, escalations, pruning) are not simulated.
//   - MergeTicket (7.10+; ticketid, mergeticketids, newsubject): each
//     merged ticket's opening message becomes a reply of ticketid (a new
//     reply id), its replies and notes move over, and the thread is
//     ordered by date. What WHMCS answers for a merged-away id is not
//     documented: here it is gone, GetTicket answers "Ticket ID Not Found".
//
// # People working in WHMCS
//
// Server.Apply (and POST /_sandbox/change, form fields action, ticketid,
// message, admin, status, priority, deptid, flag, cc, into) makes the changes
// people make in WHMCS's client and admin areas, outside the API, during a
// run: a customer's reply (dated now, by the ticket's owner, status
// Customer-Reply), an admin's reply (Answered, one client email), a note,
// a status, priority, department, assignee (flag) or CC change, a delete,
// a merge. They are no API call (Calls and WriteCalls do not count them),
// and their text is stored as typed text is (StoredText). A cut-over
// rehearsal drives them against the real binary.
//
// # Faults
//
// Options.Faults (and SetFaults at run time) inject what sits in front
// of a real WHMCS: latency, HTML 500 pages, 429 with Retry-After, a
// requests-per-second ceiling, HTTP 200 HTML maintenance pages (nothing
// processed), and "commit then drop the connection". Draws come from
// math/rand/v2 seeded with Faults.Seed, so a sequence of requests sent one
// at a time meets the same faults on every run.
//
// # Capacity
//
// Options.Capacity models WHMCS's PHP worker pool: at most Workers calls
// run at once, each for ServiceTime, the rest wait in a FIFO queue, and a
// call that waited QueueTimeout is answered 503 with an HTML page. Each
// call's queueing delay is kept (QueueStats, QueueDelays, the state dump's
// "queue"); SetWorkers (or POST /_sandbox/capacity workers=N) resizes the
// pool mid-run.
//
// The state dump is also served as JSON at GET /_sandbox/state.
package sandbox
