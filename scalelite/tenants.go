package scalelite

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// GetTenants lists the tenants. Scalelite answers {"message": "No tenants
// exist"} when there are none; GetTenants returns an empty list for it. On a
// Scalelite without multitenancy the error matches ErrMultitenancyDisabled.
func (c *Client) GetTenants(ctx context.Context) ([]Tenant, error) {
	const action = "getTenants"
	var raw json.RawMessage
	if err := c.do(ctx, call{action: action, method: http.MethodGet}, &raw); err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		// {"message": "No tenants exist"}
		return []Tenant{}, nil
	}
	var out []Tenant
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, c.decodeError(action, err)
	}
	if out == nil {
		out = []Tenant{}
	}
	return out, nil
}

// GetTenantInfo returns one tenant.
func (c *Client) GetTenantInfo(ctx context.Context, id string) (*Tenant, error) {
	const action = "getTenantInfo"
	if id == "" {
		return nil, invalid(action, "id", "is empty")
	}
	var raw json.RawMessage
	if err := c.do(ctx, call{action: action, method: http.MethodGet, query: url.Values{"id": {id}}}, &raw); err != nil {
		return nil, err
	}
	return c.decodeTenant(action, raw)
}

// decodeTenant reads a tenant object, bare or wrapped in {"tenant": ...}.
func (c *Client) decodeTenant(action string, raw json.RawMessage) (*Tenant, error) {
	var wrapped struct {
		Tenant json.RawMessage `json:"tenant"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && len(bytes.TrimSpace(wrapped.Tenant)) > 0 && wrapped.Tenant[0] == '{' {
		raw = wrapped.Tenant
	}
	var t Tenant
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, c.decodeError(action, err)
	}
	return &t, nil
}

// AddTenantParams describes a tenant to add.
type AddTenantParams struct {
	// Name is the first DNS label of the tenant's host name. Required.
	Name string
	// Secrets sign the tenant's BigBlueButton API calls. At least one is
	// required; none may contain ':' (Scalelite stores them colon-separated).
	Secrets []string
	// SiteOrder is the tenant's site order (bbbkit extension).
	SiteOrder []string
}

type tenantFields struct {
	Name      string  `json:"name,omitempty"`
	Secrets   string  `json:"secrets,omitempty"`
	SiteOrder *string `json:"site_order,omitempty"`
}

// siteOrderField encodes a site order for the wire; nil leaves it out.
func siteOrderField(order []string) *string {
	if order == nil {
		return nil
	}
	s := strings.Join(order, ",")
	return &s
}

// AddTenant adds a tenant and returns it.
func (c *Client) AddTenant(ctx context.Context, p *AddTenantParams) (*Tenant, error) {
	const action = "addTenant"
	if p == nil {
		return nil, invalid(action, "params", "is nil")
	}
	if err := checkTenantName(action, p.Name); err != nil {
		return nil, err
	}
	if len(p.Secrets) == 0 {
		return nil, invalid(action, "secrets", "is empty")
	}
	if err := checkSecrets(action, p.Secrets); err != nil {
		return nil, err
	}
	body := struct {
		Tenant tenantFields `json:"tenant"`
	}{tenantFields{Name: p.Name, Secrets: strings.Join(p.Secrets, ":"), SiteOrder: siteOrderField(p.SiteOrder)}}
	var raw json.RawMessage
	if err := c.do(ctx, call{action: action, method: http.MethodPost, body: body, secrets: p.Secrets}, &raw); err != nil {
		return nil, err
	}
	return c.decodeTenant(action, raw)
}

// UpdateTenantParams lists the changes to a tenant; empty fields are left
// as they are. Secrets, when given, replace all the tenant's secrets.
// SiteOrder, when not nil, replaces the tenant's site order (an empty,
// non-nil slice removes it; bbbkit extension).
type UpdateTenantParams struct {
	Name      string
	Secrets   []string
	SiteOrder []string
}

// UpdateTenant renames a tenant or replaces its secrets, and returns it.
func (c *Client) UpdateTenant(ctx context.Context, id string, p *UpdateTenantParams) (*Tenant, error) {
	const action = "updateTenant"
	if id == "" {
		return nil, invalid(action, "id", "is empty")
	}
	if p == nil || (p.Name == "" && len(p.Secrets) == 0 && p.SiteOrder == nil) {
		return nil, invalid(action, "params", "change nothing")
	}
	if p.Name != "" {
		if err := checkTenantName(action, p.Name); err != nil {
			return nil, err
		}
	}
	if err := checkSecrets(action, p.Secrets); err != nil {
		return nil, err
	}
	body := struct {
		ID     string       `json:"id"`
		Tenant tenantFields `json:"tenant"`
	}{id, tenantFields{Name: p.Name, Secrets: strings.Join(p.Secrets, ":"), SiteOrder: siteOrderField(p.SiteOrder)}}
	var raw json.RawMessage
	if err := c.do(ctx, call{action: action, method: http.MethodPost, body: body, secrets: p.Secrets}, &raw); err != nil {
		return nil, err
	}
	return c.decodeTenant(action, raw)
}

// DeleteTenant removes a tenant.
func (c *Client) DeleteTenant(ctx context.Context, id string) error {
	const action = "deleteTenant"
	if id == "" {
		return invalid(action, "id", "is empty")
	}
	return c.do(ctx, call{action: action, method: http.MethodPost, body: idBody{ID: id}}, nil)
}

func checkTenantName(action, name string) error {
	if name == "" {
		return invalid(action, "name", "is empty")
	}
	if !ValidTenantName(name) {
		return invalid(action, "name", "is not a DNS label (letters, digits, '-')")
	}
	return nil
}

// ValidTenantName reports whether name can select a tenant: a DNS label of
// 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.
func ValidTenantName(name string) bool {
	if len(name) == 0 || len(name) > 63 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

func checkSecrets(action string, secrets []string) error {
	for _, s := range secrets {
		if s == "" {
			return invalid(action, "secrets", "contain an empty secret")
		}
		if strings.Contains(s, ":") {
			return invalid(action, "secrets", "contain a ':' (Scalelite separates secrets with it)")
		}
	}
	return nil
}
