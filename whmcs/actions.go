package whmcs

// Action names, as WHMCS spells them (requests' Action()). WHMCS reads
// them case-insensitively; its errors quote them in lower case.
const (
	ActionOpenTicket            = "OpenTicket"
	ActionAddTicketReply        = "AddTicketReply"
	ActionAddTicketNote         = "AddTicketNote"
	ActionUpdateTicket          = "UpdateTicket"
	ActionUpdateTicketReply     = "UpdateTicketReply"
	ActionGetContacts           = "GetContacts"
	ActionGetClientsProducts    = "GetClientsProducts"
	ActionGetClientsDomains     = "GetClientsDomains"
	ActionDeleteTicket          = "DeleteTicket"
	ActionGetTicket             = "GetTicket"
	ActionGetTickets            = "GetTickets"
	ActionGetSupportDepartments = "GetSupportDepartments"
	ActionGetSupportStatuses    = "GetSupportStatuses"
	ActionGetClients            = "GetClients"
	ActionGetAdminUsers         = "GetAdminUsers"
	ActionGetWHMCSDetails       = "GetWHMCSDetails"
	ActionGetConfigurationValue = "GetConfigurationValue"
)
