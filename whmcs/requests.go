package whmcs

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Compile-time checks that every request type is a Request.
var (
	_ Request = (*OpenTicketRequest)(nil)
	_ Request = (*AddTicketReplyRequest)(nil)
	_ Request = (*AddTicketNoteRequest)(nil)
	_ Request = (*UpdateTicketRequest)(nil)
	_ Request = (*UpdateTicketReplyRequest)(nil)
	_ Request = (*GetContactsRequest)(nil)
	_ Request = (*GetClientsProductsRequest)(nil)
	_ Request = (*GetClientsDomainsRequest)(nil)
	_ Request = (*GetTicketRequest)(nil)
	_ Request = (*GetTicketsRequest)(nil)
	_ Request = (*GetSupportDepartmentsRequest)(nil)
	_ Request = (*GetSupportStatusesRequest)(nil)
	_ Request = (*GetClientsRequest)(nil)
	_ Request = (*GetAdminUsersRequest)(nil)
	_ Request = (*DeleteTicketRequest)(nil)
	_ Request = (*GetWHMCSDetailsRequest)(nil)
)

// DateLayout is how WHMCS writes and reads naive dates ("Y-m-d H:i:s").
const DateLayout = "2006-01-02 15:04:05"

// FormatDate renders t as WHMCS's "YYYY-MM-DD HH:MM:SS" in loc (UTC when loc
// is nil).
func FormatDate(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(DateLayout)
}

// Parameter helpers: each sends nothing for a zero value.

func setStr(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

func setInt(v url.Values, k string, n int64) {
	if n != 0 {
		v.Set(k, strconv.FormatInt(n, 10))
	}
}

// setBool sends a true flag as "1" and omits a false one: PHP reads the
// string "false" as true.
func setBool(v url.Values, k string, b bool) {
	if b {
		v.Set(k, "1")
	}
}

func setTime(v url.Values, k string, t time.Time, loc *time.Location) {
	if !t.IsZero() {
		v.Set(k, FormatDate(t, loc))
	}
}

func setCC(v url.Values, k string, cc []string) {
	if len(cc) > 0 {
		v.Set(k, strings.Join(cc, ","))
	}
}

func setCustomFields(v url.Values, k string, m map[int]string) {
	if len(m) > 0 {
		v.Set(k, EncodeCustomFields(m))
	}
}

func setAttachments(v url.Values, k string, a []Attachment) {
	if len(a) > 0 {
		v.Set(k, EncodeAttachments(a))
	}
}

// OpenTicket

func (*OpenTicketRequest) Action() string { return ActionOpenTicket }
func (*OpenTicketRequest) Write() bool    { return true }
func (r *OpenTicketRequest) Encode(v url.Values, loc *time.Location) {
	setInt(v, "deptid", r.DeptID)
	setStr(v, "subject", r.Subject)
	setStr(v, "message", r.Message)
	setInt(v, "clientid", r.ClientID)
	setInt(v, "contactid", r.ContactID)
	setInt(v, "userid", r.UserID)
	setStr(v, "name", r.Name)
	setStr(v, "email", r.Email)
	setCC(v, "cc", r.CC)
	setStr(v, "priority", r.Priority)
	setTime(v, "created", r.Created, loc)
	setInt(v, "serviceid", r.ServiceID)
	setInt(v, "domainid", r.DomainID)
	setBool(v, "admin", r.Admin)
	setBool(v, "noemail", r.NoEmail)
	setBool(v, "markdown", r.Markdown)
	setCustomFields(v, "customfields", r.CustomFields)
	setAttachments(v, "attachments", r.Attachments)
	setBool(v, "preventClientClosure", r.PreventClientClosure)
}

// AddTicketReply

func (*AddTicketReplyRequest) Action() string { return ActionAddTicketReply }
func (*AddTicketReplyRequest) Write() bool    { return true }
func (r *AddTicketReplyRequest) Encode(v url.Values, loc *time.Location) {
	setInt(v, "ticketid", r.TicketID)
	setStr(v, "message", r.Message)
	setBool(v, "markdown", r.Markdown)
	setInt(v, "clientid", r.ClientID)
	setInt(v, "contactid", r.ContactID)
	setStr(v, "adminusername", r.AdminUsername)
	setStr(v, "name", r.Name)
	setStr(v, "email", r.Email)
	setStr(v, "status", r.Status)
	setBool(v, "noemail", r.NoEmail)
	setCustomFields(v, "customfields", r.CustomFields)
	setAttachments(v, "attachments", r.Attachments)
	setTime(v, "created", r.Created, loc)
}

// AddTicketNote

func (*AddTicketNoteRequest) Action() string { return ActionAddTicketNote }
func (*AddTicketNoteRequest) Write() bool    { return true }
func (r *AddTicketNoteRequest) Encode(v url.Values, loc *time.Location) {
	setInt(v, "ticketid", r.TicketID)
	setStr(v, "ticketnum", r.TicketNum)
	setStr(v, "message", r.Message)
	setBool(v, "markdown", r.Markdown)
	setAttachments(v, "attachments", r.Attachments)
	setTime(v, "created", r.Created, loc)
}

// UpdateTicket

func (*UpdateTicketRequest) Action() string { return ActionUpdateTicket }
func (*UpdateTicketRequest) Write() bool    { return true }
func (r *UpdateTicketRequest) Encode(v url.Values, loc *time.Location) {
	setInt(v, "ticketid", r.TicketID)
	setInt(v, "deptid", r.DeptID)
	setStr(v, "status", r.Status)
	setStr(v, "subject", r.Subject)
	setInt(v, "userid", r.UserID)
	setStr(v, "name", r.Name)
	setStr(v, "email", r.Email)
	if r.CC != nil {
		// A non-nil empty list is sent, as cc="": it clears the CC.
		v.Set("cc", strings.Join(r.CC, ","))
	}
	setStr(v, "priority", r.Priority)
	setTime(v, "created", r.Created, loc)
	setInt(v, "flag", r.Flag)
	setBool(v, "removeFlag", r.RemoveFlag)
	setStr(v, "message", r.Message)
	setBool(v, "markdown", r.Markdown)
	setCustomFields(v, "customfields", r.CustomFields)
	setBool(v, "preventClientClosure", r.PreventClientClosure)
}

// UpdateTicketReply

func (*UpdateTicketReplyRequest) Action() string { return ActionUpdateTicketReply }
func (*UpdateTicketReplyRequest) Write() bool    { return true }
func (r *UpdateTicketReplyRequest) Encode(v url.Values, loc *time.Location) {
	setInt(v, "replyid", r.ReplyID)
	setStr(v, "message", r.Message)
	setBool(v, "markdown", r.Markdown)
	setTime(v, "created", r.Created, loc)
}

// GetContacts

func (*GetContactsRequest) Action() string { return ActionGetContacts }
func (*GetContactsRequest) Write() bool    { return false }
func (r *GetContactsRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "limitstart", int64(r.LimitStart))
	setInt(v, "limitnum", int64(r.LimitNum))
	setInt(v, "userid", r.UserID)
	setStr(v, "email", r.Email)
}

// GetClientsProducts

func (*GetClientsProductsRequest) Action() string { return ActionGetClientsProducts }
func (*GetClientsProductsRequest) Write() bool    { return false }
func (r *GetClientsProductsRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "limitstart", int64(r.LimitStart))
	setInt(v, "limitnum", int64(r.LimitNum))
	setInt(v, "clientid", r.ClientID)
	setInt(v, "serviceid", r.ServiceID)
}

// GetClientsDomains

func (*GetClientsDomainsRequest) Action() string { return ActionGetClientsDomains }
func (*GetClientsDomainsRequest) Write() bool    { return false }
func (r *GetClientsDomainsRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "limitstart", int64(r.LimitStart))
	setInt(v, "limitnum", int64(r.LimitNum))
	setInt(v, "clientid", r.ClientID)
	setInt(v, "domainid", r.DomainID)
}

// GetTicket

func (*GetTicketRequest) Action() string { return ActionGetTicket }
func (*GetTicketRequest) Write() bool    { return false }
func (r *GetTicketRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "ticketid", r.TicketID)
	setStr(v, "ticketnum", r.TicketNum)
	setStr(v, "repliessort", r.RepliesSort)
}

// GetTickets

func (*GetTicketsRequest) Action() string { return ActionGetTickets }
func (*GetTicketsRequest) Write() bool    { return false }
func (r *GetTicketsRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "limitstart", int64(r.LimitStart))
	setInt(v, "limitnum", int64(r.LimitNum))
	setInt(v, "deptid", r.DeptID)
	setInt(v, "clientid", r.ClientID)
	setStr(v, "email", r.Email)
	setStr(v, "status", r.Status)
	setStr(v, "subject", r.Subject)
	setBool(v, "ignore_dept_assignments", r.IgnoreDeptAssignments)
}

// GetSupportDepartments

func (*GetSupportDepartmentsRequest) Action() string { return ActionGetSupportDepartments }
func (*GetSupportDepartmentsRequest) Write() bool    { return false }
func (r *GetSupportDepartmentsRequest) Encode(v url.Values, _ *time.Location) {
	setBool(v, "ignore_dept_assignments", r.IgnoreDeptAssignments)
}

// GetSupportStatuses

func (*GetSupportStatusesRequest) Action() string { return ActionGetSupportStatuses }
func (*GetSupportStatusesRequest) Write() bool    { return false }
func (r *GetSupportStatusesRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "deptid", r.DeptID)
}

// GetClients

func (*GetClientsRequest) Action() string { return ActionGetClients }
func (*GetClientsRequest) Write() bool    { return false }
func (r *GetClientsRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "limitstart", int64(r.LimitStart))
	setInt(v, "limitnum", int64(r.LimitNum))
	setStr(v, "search", r.Search)
	setStr(v, "status", r.Status)
}

// GetAdminUsers

func (*GetAdminUsersRequest) Action() string { return ActionGetAdminUsers }
func (*GetAdminUsersRequest) Write() bool    { return false }
func (r *GetAdminUsersRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "roleid", r.RoleID)
	setStr(v, "email", r.Email)
	setBool(v, "include_disabled", r.IncludeDisabled)
}

// DeleteTicket

func (*DeleteTicketRequest) Action() string { return ActionDeleteTicket }
func (*DeleteTicketRequest) Write() bool    { return true }
func (r *DeleteTicketRequest) Encode(v url.Values, _ *time.Location) {
	setInt(v, "ticketid", r.TicketID)
}

// GetWHMCSDetails

func (*GetWHMCSDetailsRequest) Action() string                    { return ActionGetWHMCSDetails }
func (*GetWHMCSDetailsRequest) Write() bool                       { return false }
func (*GetWHMCSDetailsRequest) Encode(url.Values, *time.Location) {}
