package scheduler

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Errors of tenant stores.
var (
	// ErrTenantNotFound means no tenant has the given ID or name.
	ErrTenantNotFound = errors.New("scheduler: tenant not found")
	// ErrTenantExists means a tenant's ID or name is already taken.
	ErrTenantExists = errors.New("scheduler: tenant already exists")
)

// Tenant is one tenant of a multitenant balancer (Scalelite's tenants): its
// frontends call the balancer under <Name>.<balancer domain> and sign with
// one of Secrets. SiteOrder, when not empty, is the tenant's site order
// (PreferSites), which a create's SiteOrderMeta overrides. String and
// GoString never show the secrets.
type Tenant struct {
	ID        string
	Name      string
	Secrets   []string
	SiteOrder []string
}

// String describes the tenant without its secrets.
func (t Tenant) String() string {
	return "tenant " + t.ID + " (" + strconv.Quote(t.Name) + ", " + strconv.Itoa(len(t.Secrets)) + " secrets, sites " +
		strconv.Quote(strings.Join(t.SiteOrder, ",")) + ")"
}

// GoString is like String, so that %#v does not print the secrets either.
func (t Tenant) GoString() string { return "scheduler.Tenant{" + t.String() + "}" }

// Validate checks a tenant: a valid ID, a name that is a DNS label (letters,
// digits, "-"), at least one non-empty secret without ":" (Scalelite keeps
// them ":"-separated), and a valid site order.
func (t Tenant) Validate() error {
	if err := validID("tenant ID", t.ID); err != nil {
		return err
	}
	if t.Name == "" || len(t.Name) > 63 || strings.ContainsFunc(t.Name, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return &ValidationError{Field: "tenant name", Reason: "must be a DNS label (letters, digits, -)"}
	}
	if len(t.Secrets) == 0 {
		return &ValidationError{Field: "tenant secrets", Reason: "at least one is required"}
	}
	for _, s := range t.Secrets {
		if s == "" || strings.Contains(s, ":") {
			return &ValidationError{Field: "tenant secrets", Reason: `must be non-empty without ":"`}
		}
	}
	return validSiteOrder("tenant site order", t.SiteOrder)
}

// TenantUpdate changes some fields of a tenant; nil fields stay unchanged.
type TenantUpdate struct {
	Name      *string
	Secrets   *[]string
	SiteOrder *[]string
}

// Apply returns t changed by u, or a *ValidationError when the result is
// not a valid tenant. Stores use it so that they all validate alike.
func (u TenantUpdate) Apply(t Tenant) (Tenant, error) {
	if u.Name != nil {
		t.Name = *u.Name
	}
	if u.Secrets != nil {
		t.Secrets = append([]string(nil), *u.Secrets...)
	}
	if u.SiteOrder != nil {
		t.SiteOrder = append([]string(nil), *u.SiteOrder...)
	}
	return t, t.Validate()
}

// TenantStore keeps tenants where several balancer processes see them
// (MemoryStore within one process, redisstore.Store in Redis). Names are
// unique regardless of letter case, like the host names they are used in.
// Every method validates its input (a *ValidationError) and is atomic.
type TenantStore interface {
	// AddTenant stores a new tenant; ErrTenantExists when its ID or name
	// is taken.
	AddTenant(ctx context.Context, t Tenant) error
	// Tenant returns a tenant by ID, or ErrTenantNotFound.
	Tenant(ctx context.Context, id string) (Tenant, error)
	// TenantByName returns a tenant by name, in any letter case, or
	// ErrTenantNotFound.
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// Tenants returns every tenant, sorted by ID.
	Tenants(ctx context.Context) ([]Tenant, error)
	// UpdateTenant applies u and returns the tenant as updated;
	// ErrTenantNotFound, or ErrTenantExists when the new name is taken.
	UpdateTenant(ctx context.Context, id string, u TenantUpdate) (Tenant, error)
	// DeleteTenant removes a tenant, or returns ErrTenantNotFound.
	DeleteTenant(ctx context.Context, id string) error
}

// MeetingTenantStore is implemented by stores that also remember which
// tenant created which meeting, so that every balancer replica sharing the
// store enforces the same tenant isolation (MemoryStore within a process,
// redisstore across processes).
type MeetingTenantStore interface {
	// SetMeetingTenant records that tenantID ("" for no tenant) created
	// meetingID.
	SetMeetingTenant(ctx context.Context, meetingID, tenantID string) error
	// MeetingTenant returns the tenant that created meetingID; ok is
	// false when no creator is recorded.
	MeetingTenant(ctx context.Context, meetingID string) (tenantID string, ok bool, err error)
	// ForgetMeetingTenants drops the records of ended meetings.
	ForgetMeetingTenants(ctx context.Context, meetingIDs ...string) error
}
