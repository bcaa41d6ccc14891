package scheduler

import (
	"context"
	"slices"
	"strings"
)

var _ TenantStore = (*MemoryStore)(nil)

func cloneTenant(t Tenant) Tenant {
	t.Secrets = slices.Clone(t.Secrets)
	t.SiteOrder = slices.Clone(t.SiteOrder)
	return t
}

// tenantByName returns the ID of the tenant named name in any case.
func (m *MemoryStore) tenantByName(name string) (string, bool) {
	for id, t := range m.tenants {
		if strings.EqualFold(t.Name, name) {
			return id, true
		}
	}
	return "", false
}

// AddTenant implements TenantStore.
func (m *MemoryStore) AddTenant(ctx context.Context, t Tenant) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tenants[t.ID]; ok {
		return ErrTenantExists
	}
	if _, ok := m.tenantByName(t.Name); ok {
		return ErrTenantExists
	}
	if m.tenants == nil {
		m.tenants = make(map[string]Tenant)
	}
	m.tenants[t.ID] = cloneTenant(t)
	return nil
}

// Tenant implements TenantStore.
func (m *MemoryStore) Tenant(ctx context.Context, id string) (Tenant, error) {
	if err := ctx.Err(); err != nil {
		return Tenant{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tenants[id]
	if !ok {
		return Tenant{}, ErrTenantNotFound
	}
	return cloneTenant(t), nil
}

// TenantByName implements TenantStore.
func (m *MemoryStore) TenantByName(ctx context.Context, name string) (Tenant, error) {
	if err := ctx.Err(); err != nil {
		return Tenant{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.tenantByName(name)
	if !ok {
		return Tenant{}, ErrTenantNotFound
	}
	return cloneTenant(m.tenants[id]), nil
}

// Tenants implements TenantStore.
func (m *MemoryStore) Tenants(ctx context.Context) ([]Tenant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	out := make([]Tenant, 0, len(m.tenants))
	for _, t := range m.tenants {
		out = append(out, cloneTenant(t))
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateTenant implements TenantStore.
func (m *MemoryStore) UpdateTenant(ctx context.Context, id string, u TenantUpdate) (Tenant, error) {
	if err := ctx.Err(); err != nil {
		return Tenant{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tenants[id]
	if !ok {
		return Tenant{}, ErrTenantNotFound
	}
	t, err := u.Apply(t)
	if err != nil {
		return Tenant{}, err
	}
	if other, ok := m.tenantByName(t.Name); ok && other != id {
		return Tenant{}, ErrTenantExists
	}
	m.tenants[id] = cloneTenant(t)
	return t, nil
}

// DeleteTenant implements TenantStore.
func (m *MemoryStore) DeleteTenant(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tenants[id]; !ok {
		return ErrTenantNotFound
	}
	delete(m.tenants, id)
	return nil
}

// SetMeetingTenant implements MeetingTenantStore.
func (m *MemoryStore) SetMeetingTenant(ctx context.Context, meetingID, tenantID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.meetingTenants == nil {
		m.meetingTenants = make(map[string]string)
	}
	m.meetingTenants[meetingID] = tenantID
	return nil
}

// MeetingTenant implements MeetingTenantStore.
func (m *MemoryStore) MeetingTenant(ctx context.Context, meetingID string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.meetingTenants[meetingID]
	return id, ok, nil
}

// ForgetMeetingTenants implements MeetingTenantStore.
func (m *MemoryStore) ForgetMeetingTenants(ctx context.Context, meetingIDs ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range meetingIDs {
		delete(m.meetingTenants, id)
	}
	return nil
}
