package scalelitetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// tenantRegistry keeps the tenants, and which tenant created which
// meeting, in the scheduler's store when it can hold them, so that with
// redisstore every replica sees the same tenants and enforces the same
// isolation; otherwise in a MemoryStore of this process.
type tenantRegistry struct {
	store    scheduler.TenantStore
	meetings scheduler.MeetingTenantStore
}

func (t *tenantRegistry) init(store scheduler.Store) {
	local := scheduler.NewMemoryStore()
	t.store, t.meetings = local, local
	if ts, ok := store.(scheduler.TenantStore); ok {
		t.store = ts
	}
	if ms, ok := store.(scheduler.MeetingTenantStore); ok {
		t.meetings = ms
	}
}

func apiTenant(tn scheduler.Tenant) scalelite.Tenant {
	return scalelite.Tenant{ID: tn.ID, Name: tn.Name, Secrets: tn.Secrets, SiteOrder: tn.SiteOrder}
}

// forHost returns the tenant named by the first DNS label of host.
func (t *tenantRegistry) forHost(ctx context.Context, host string) (scheduler.Tenant, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	label, _, _ := strings.Cut(host, ".")
	if label == "" {
		return scheduler.Tenant{}, false
	}
	tn, err := t.store.TenantByName(ctx, label)
	return tn, err == nil
}

func (t *tenantRegistry) list(ctx context.Context) ([]scalelite.Tenant, error) {
	all, err := t.store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]scalelite.Tenant, 0, len(all))
	for _, tn := range all {
		out = append(out, apiTenant(tn))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (t *tenantRegistry) get(ctx context.Context, id string) (scalelite.Tenant, bool) {
	tn, err := t.store.Tenant(ctx, id)
	return apiTenant(tn), err == nil
}

// add stores a new tenant with a random id.
func (t *tenantRegistry) add(ctx context.Context, name string, secrets []string, order *[]string) (scalelite.Tenant, error) {
	tn := scheduler.Tenant{ID: rand.Text(), Name: name, Secrets: secrets}
	if order != nil && len(*order) > 0 {
		tn.SiteOrder = *order
	}
	if err := t.store.AddTenant(ctx, tn); err != nil {
		if errors.Is(err, scheduler.ErrTenantExists) {
			return scalelite.Tenant{}, fmt.Errorf("a tenant named %s exists", name)
		}
		return scalelite.Tenant{}, err
	}
	return apiTenant(tn), nil
}

// update changes a tenant; empty fields (and a nil order) stay.
func (t *tenantRegistry) update(ctx context.Context, id, name string, secrets []string, order *[]string) (scalelite.Tenant, bool, error) {
	u := scheduler.TenantUpdate{SiteOrder: order}
	if name != "" {
		u.Name = &name
	}
	if len(secrets) > 0 {
		u.Secrets = &secrets
	}
	tn, err := t.store.UpdateTenant(ctx, id, u)
	switch {
	case errors.Is(err, scheduler.ErrTenantNotFound):
		return scalelite.Tenant{}, false, nil
	case errors.Is(err, scheduler.ErrTenantExists):
		return scalelite.Tenant{}, true, fmt.Errorf("a tenant named %s exists", name)
	case err != nil:
		return scalelite.Tenant{}, true, err
	}
	return apiTenant(tn), true, nil
}

func (t *tenantRegistry) remove(ctx context.Context, id string) bool {
	return t.store.DeleteTenant(ctx, id) == nil
}

// owner returns the tenant that created a meeting; known is false when no
// replica recorded one.
func (t *tenantRegistry) owner(ctx context.Context, meetingID string) (id string, known bool, err error) {
	return t.meetings.MeetingTenant(ctx, meetingID)
}

func (t *tenantRegistry) setOwner(ctx context.Context, meetingID, tenantID string) error {
	return t.meetings.SetMeetingTenant(ctx, meetingID, tenantID)
}

// forget drops the owners of ended meetings, best effort: a record left
// behind only keeps a reused meeting ID with its first tenant.
func (t *tenantRegistry) forget(ctx context.Context, meetingIDs ...string) {
	_ = t.meetings.ForgetMeetingTenants(ctx, meetingIDs...)
}

// splitSecrets parses Scalelite's colon-separated secrets.
func splitSecrets(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ":") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
