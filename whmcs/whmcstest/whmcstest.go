package whmcstest

import "github.com/whmcs-migrate/whmcs-migrate/whmcs/sandbox"

// The sandbox's types, under the names the tests use.
type (
	Admin       = sandbox.Admin
	Capacity    = sandbox.Capacity
	Change      = sandbox.Change
	Client      = sandbox.Client
	Contact     = sandbox.Contact
	Department  = sandbox.Department
	Email       = sandbox.Email
	Faults      = sandbox.Faults
	FileState   = sandbox.FileState
	NoteState   = sandbox.NoteState
	Options     = sandbox.Options
	Owned       = sandbox.Owned
	QueueStats  = sandbox.QueueStats
	ReplyState  = sandbox.ReplyState
	Seed        = sandbox.Seed
	Server      = sandbox.Server
	State       = sandbox.State
	Status      = sandbox.Status
	Storage     = sandbox.Storage
	TicketState = sandbox.TicketState
)

// The sandbox's constants: see whmcs/sandbox.
const (
	ChangeCustomerReply = sandbox.ChangeCustomerReply
	ChangeAdminReply    = sandbox.ChangeAdminReply
	ChangeNote          = sandbox.ChangeNote
	ChangeStatus        = sandbox.ChangeStatus
	ChangeDepartment    = sandbox.ChangeDepartment
	ChangePriority      = sandbox.ChangePriority
	ChangeFlag          = sandbox.ChangeFlag
	ChangeCC            = sandbox.ChangeCC
	ChangeDelete        = sandbox.ChangeDelete
	ChangeMerge         = sandbox.ChangeMerge

	DefaultIdentifier   = sandbox.DefaultIdentifier
	DefaultSecret       = sandbox.DefaultSecret
	DefaultTicketMask   = sandbox.DefaultTicketMask
	DefaultMaxBodyBytes = sandbox.DefaultMaxBodyBytes
	DefaultVersion      = sandbox.DefaultVersion
)

// New is sandbox.New: a sandbox that does not listen.
func New(o Options) (*Server, error) { return sandbox.New(o) }

// DefaultSeed is sandbox.DefaultSeed.
func DefaultSeed() *Seed { return sandbox.DefaultSeed() }

// LoadSeed is sandbox.LoadSeed.
func LoadSeed(path string) (*Seed, error) { return sandbox.LoadSeed(path) }

// NewServer starts a sandbox on 127.0.0.1 on a free port (sandbox.Start).
// It panics if o is invalid or it cannot listen: a test convenience. Call
// Close when done.
func NewServer(o Options) *Server {
	s, err := sandbox.Start(o)
	if err != nil {
		panic(err)
	}
	return s
}
