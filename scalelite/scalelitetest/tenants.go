package scalelitetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// tenantRegistry keeps the tenants in a scheduler.TenantStore (the
// scheduler's store when it is one, so that with redisstore every replica
// sees the same tenants) and, in process, which tenant created which
// meeting.
type tenantRegistry struct {
	store    scheduler.TenantStore
	mu       sync.RWMutex
	meetings map[string]string // meeting ID -> tenant ID
}

func (t *tenantRegistry) init(store scheduler.Store) {
	if ts, ok := store.(scheduler.TenantStore); ok {
		t.store = ts
	} else {
		t.store = scheduler.NewMemoryStore()
	}
	t.meetings = make(map[string]string)
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

// owner returns the tenant that created a meeting, if this process knows.
func (t *tenantRegistry) owner(meetingID string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.meetings[meetingID]
	return id, ok
}

func (t *tenantRegistry) setOwner(meetingID, tenantID string) {
	t.mu.Lock()
	t.meetings[meetingID] = tenantID
	t.mu.Unlock()
}

func (t *tenantRegistry) forget(meetingIDs ...string) {
	t.mu.Lock()
	for _, id := range meetingIDs {
		delete(t.meetings, id)
	}
	t.mu.Unlock()
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
