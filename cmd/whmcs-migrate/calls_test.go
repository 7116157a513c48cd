package main

import (
	"path/filepath"
	"testing"
)

// A run asks WHMCS each list once: the preflight's permission checks of
// GetClients, GetContacts, GetAdminUsers, GetSupportDepartments and
// GetSupportStatuses are the look-ups' and the mapping check's own first
// reads (the samples' clients, contacts and admins each fit a page; the
// assignees' admin ids come from the mapping check's admin list), and no
// other call of those actions follows. The rest of the fixed cost is
// GetWHMCSDetails, GetConfigurationValue (the checkpoint's WHMCS),
// GetAdminDetails (the zone's cross-check), the probes of the four writes
// and of GetTicket and GetTickets, the read-backs, and on a new
// checkpoint one page of WHMCS's ticket list, read once to look for
// tickets an earlier run created (adoption).
func TestRunReadsEachListOnce(t *testing.T) {
	sb := samplesSandbox(t)
	url, n := countedSandbox(t, sb)
	calls := runCounted(t, samplesConfig(t, url, sb), n)
	got := sb.Calls()
	for _, a := range []string{"GetClients", "GetContacts", "GetAdminUsers", "GetSupportDepartments", "GetSupportStatuses", "GetWHMCSDetails", "GetConfigurationValue", "GetAdminDetails"} {
		if got[a] != 1 {
			t.Errorf("%s: %d calls, want 1 (%v)", a, got[a], got)
		}
	}
	if got["GetTickets"] != 2 {
		t.Errorf("GetTickets: %d calls, want 2: the preflight's probe and the ticket list's one page (%v)", got["GetTickets"], got)
	}
	entries := csvRows(t, filepath.Join("../../samples/csv", "messages.csv"))
	writes := int64(got["OpenTicket"] + got["AddTicketReply"] + got["AddTicketNote"])
	if writes != int64(entries) {
		t.Errorf("%d ticket writes for %d entries", writes, entries)
	}
	// Beyond the entries and the UpdateTickets the data needs (the
	// assignees), a small constant: 18 on the samples (13 before the
	// mapping check's departments and statuses, the checkpoint's WHMCS,
	// the zone's cross-check and the adoption's list page).
	if fixed := calls - writes - int64(got["UpdateTicket"]); fixed > 18 {
		t.Errorf("%d calls beyond the entries and updates, want at most 18 (%v)", fixed, got)
	}
}
