package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// Test hooks: change a ticket behind the API's back, the way an
// administrator editing WHMCS's database (or a buggy import tool) would.
// WHMCS's external API cannot express these edits through the calls the
// sandbox serves; verify's tests use them to prove it catches them. They are
// not part of the simulated API.
//
// Indexes count a ticket's replies after the opening message (0 = the first
// reply) and its notes, in creation order.

// SetReplyDate changes the date of reply index of ticket id.
func (s *Server) SetReplyDate(id int64, index int, date time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.tamperTicket(id)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(t.replies) {
		return fmt.Errorf("sandbox: ticket %d has no reply %d (%d replies)", id, index, len(t.replies))
	}
	t.replies[index].date = date
	return nil
}

// DeleteReply removes reply index of ticket id.
func (s *Server) DeleteReply(id int64, index int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.tamperTicket(id)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(t.replies) {
		return fmt.Errorf("sandbox: ticket %d has no reply %d (%d replies)", id, index, len(t.replies))
	}
	t.replies = slices.Delete(t.replies, index, index+1)
	return nil
}

// SetNoteMessage replaces the text of note index of ticket id.
func (s *Server) SetNoteMessage(id int64, index int, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.tamperTicket(id)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(t.notes) {
		return fmt.Errorf("sandbox: ticket %d has no note %d (%d notes)", id, index, len(t.notes))
	}
	t.notes[index].message = message
	return nil
}

func (st *store) tamperTicket(id int64) (*ticket, error) {
	t := st.tickets[id]
	if t == nil {
		return nil, fmt.Errorf("sandbox: no ticket %d", id)
	}
	return t, nil
}
