package validate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Target is what WHMCS holds that the mapping is checked against: by
// validate, and by run before its first write (the same checks, made by
// the planner once Apply gave it the lists).
//
// WHMCS's API lists no ticket custom fields (they belong to departments
// and are shown only on a ticket that has them), so mapping.custom_fields
// is not checked against it.
type Target struct {
	Departments map[int64]string // deptid -> name
	Statuses    []string         // status titles
	Staff       []string         // admin usernames, disabled ones included
}

// Apply gives a planner's options what t knows: the departments (their
// ids, and their names, which resolve a mapping's department names),
// statuses and staff the mapping must name.
func (t *Target) Apply(o *mapping.Options) {
	o.KnownStatuses, o.KnownStaff = t.Statuses, t.Staff
	o.KnownDepartments = slices.Sorted(maps.Keys(t.Departments))
	if o.KnownDepartments == nil {
		o.KnownDepartments = []int64{} // none: every id is unknown
	}
	// The same list resolves the departments the mapping gives by name.
	o.DepartmentNames = maps.Clone(t.Departments)
	if o.DepartmentNames == nil {
		o.DepartmentNames = map[int64]string{}
	}
}

// ReadTarget reads the departments, statuses and admin users of WHMCS with
// read calls (GetSupportDepartments, GetSupportStatuses, GetAdminUsers).
func ReadTarget(ctx context.Context, c *whmcs.Client) (*Target, error) {
	return NewTargetReader(c).Target(ctx)
}

// TargetReader reads a Target one list at a time, each once, so that a
// command's preflight can use the reads as its permission checks of
// those actions (Reads) and its staff look-ups can answer from the same
// admin list (Admins): the target costs three calls, whoever asks first.
// A failed read is not kept; the next ask tries again. It is safe for
// concurrent use.
type TargetReader struct {
	c  *whmcs.Client
	mu sync.Mutex
	t  Target
	// read: which lists were read; admins: username -> id.
	depts, statuses, staff bool
	admins                 map[string]int64
}

// NewTargetReader returns a TargetReader over c.
func NewTargetReader(c *whmcs.Client) *TargetReader { return &TargetReader{c: c} }

// Reads are the reader's reads by action, for whmcs.PreflightOptions.Reads.
func (r *TargetReader) Reads() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		whmcs.ActionGetSupportDepartments: r.readDepartments,
		whmcs.ActionGetSupportStatuses:    r.readStatuses,
		whmcs.ActionGetAdminUsers:         r.readStaff,
	}
}

// DepartmentNames returns WHMCS's departments (deptid -> name), reading
// them if not read yet: what resolves a mapping's department names for a
// command that checks nothing else against WHMCS (verify).
func (r *TargetReader) DepartmentNames(ctx context.Context) (map[int64]string, error) {
	if err := r.readDepartments(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.t.Departments), nil
}

// Target returns the target, reading the lists not read yet.
func (r *TargetReader) Target(ctx context.Context) (*Target, error) {
	for _, read := range []func(context.Context) error{r.readDepartments, r.readStatuses, r.readStaff} {
		if err := read(ctx); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &Target{Departments: maps.Clone(r.t.Departments), Statuses: slices.Clone(r.t.Statuses), Staff: slices.Clone(r.t.Staff)}
	return t, nil
}

func (r *TargetReader) readDepartments(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.depts {
		return nil
	}
	depts, err := r.c.GetSupportDepartments(ctx)
	if err != nil {
		return fmt.Errorf("read WHMCS departments: %w", err)
	}
	r.t.Departments = make(map[int64]string, len(depts))
	for _, d := range depts {
		r.t.Departments[d.ID] = d.Name
	}
	r.depts = true
	return nil
}

func (r *TargetReader) readStatuses(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.statuses {
		return nil
	}
	sts, err := r.c.GetSupportStatuses(ctx, 0)
	if err != nil {
		return fmt.Errorf("read WHMCS statuses: %w", err)
	}
	for _, s := range sts {
		r.t.Statuses = append(r.t.Statuses, s.Title)
	}
	r.statuses = true
	return nil
}

func (r *TargetReader) readStaff(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.staff {
		return nil
	}
	admins, err := r.c.GetAdminUsers(ctx, &whmcs.GetAdminUsersRequest{IncludeDisabled: true})
	if err != nil {
		return fmt.Errorf("read WHMCS admin users: %w", err)
	}
	r.admins = make(map[string]int64, len(admins))
	for _, a := range admins {
		r.t.Staff = append(r.t.Staff, a.Username)
		r.admins[strings.ToLower(strings.TrimSpace(a.Username))] = a.ID
	}
	r.staff = true
	return nil
}

// Admins is a mapping.AdminResolver (and mapping.Preloader) answered from
// the reader's admin list: the assignees' look-ups cost no call of their
// own.
func (r *TargetReader) Admins() mapping.AdminResolver { return targetAdmins{r} }

type targetAdmins struct{ r *TargetReader }

var (
	_ mapping.AdminResolver = targetAdmins{}
	_ mapping.Preloader     = targetAdmins{}
)

func (a targetAdmins) AdminID(ctx context.Context, username string) (int64, bool, error) {
	if err := a.r.readStaff(ctx); err != nil {
		return 0, false, err
	}
	a.r.mu.Lock()
	defer a.r.mu.Unlock()
	id, ok := a.r.admins[strings.ToLower(strings.TrimSpace(username))]
	return id, ok, nil
}

func (a targetAdmins) Preload(ctx context.Context) error { return a.r.readStaff(ctx) }
