package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Tenants live in "tenant:<id>" hashes (name, secrets and sites as JSON
// lists), "tenant_name:<lower-case name>" holds the ID of the tenant of
// that name, and "tenants" is the set of IDs.
const (
	codeTenantExists   = -8
	codeTenantNotFound = -9
	codeTenantRenamed  = -10
)

// errTenantRenamed means a tenant was renamed between the read and the
// write of UpdateTenant, which then tries again.
var errTenantRenamed = errors.New("redisstore: tenant renamed concurrently")

const tenantPrelude = `
local P = ARGV[1]
local function tkey(id) return P .. 'tenant:' .. id end
local function nkey(lname) return P .. 'tenant_name:' .. lname end
local function tget(id)
  local v = redis.call('HMGET', tkey(id), 'name', 'secrets', 'sites')
  if not v[1] then return nil end
  return {id, v[1], v[2], v[3] or '[]'}
end
`

// addTenant: ARGV[2] id, ARGV[3] name, ARGV[4] lower-case name, ARGV[5]
// secrets, ARGV[6] sites.
var addTenantScript = redis.NewScript(tenantPrelude + `
if redis.call('EXISTS', tkey(ARGV[2])) == 1 or redis.call('EXISTS', nkey(ARGV[4])) == 1 then return {-8} end
redis.call('HSET', tkey(ARGV[2]), 'name', ARGV[3], 'secrets', ARGV[5], 'sites', ARGV[6])
redis.call('SET', nkey(ARGV[4]), ARGV[2])
redis.call('SADD', P .. 'tenants', ARGV[2])
return {0}
`)

// getTenant: ARGV[2] id, or with ARGV[3] "name" the lower-case name.
var getTenantScript = redis.NewScript(tenantPrelude + `
local id = ARGV[2]
if ARGV[3] == 'name' then
  id = redis.call('GET', nkey(ARGV[2]))
  if not id then return {-9} end
end
local t = tget(id)
if not t then return {-9} end
return {0, t}
`)

var listTenantsScript = redis.NewScript(tenantPrelude + `
local out = {0}
for _, id in ipairs(redis.call('SMEMBERS', P .. 'tenants')) do
  local t = tget(id)
  if t then table.insert(out, t) end
end
return out
`)

// putTenant replaces an existing tenant: ARGV[2] id, ARGV[3] name, ARGV[4]
// lower-case name, ARGV[5] secrets, ARGV[6] sites, ARGV[7] the name it had
// when read (lower case), so that a concurrent rename is not lost.
var putTenantScript = redis.NewScript(tenantPrelude + `
local t = tget(ARGV[2])
if not t then return {-9} end
if string.lower(t[2]) ~= ARGV[7] then return {-10} end
local owner = redis.call('GET', nkey(ARGV[4]))
if owner and owner ~= ARGV[2] then return {-8} end
redis.call('DEL', nkey(ARGV[7]))
redis.call('SET', nkey(ARGV[4]), ARGV[2])
redis.call('HSET', tkey(ARGV[2]), 'name', ARGV[3], 'secrets', ARGV[5], 'sites', ARGV[6])
return {0}
`)

var deleteTenantScript = redis.NewScript(tenantPrelude + `
local t = tget(ARGV[2])
if not t then return {-9} end
redis.call('DEL', nkey(string.lower(t[2])), tkey(ARGV[2]))
redis.call('SREM', P .. 'tenants', ARGV[2])
return {0}
`)

var _ scheduler.TenantStore = (*Store)(nil)

func tenantArgs(t scheduler.Tenant) []any {
	secrets, _ := json.Marshal(t.Secrets)
	sites, _ := json.Marshal(nonNil(t.SiteOrder))
	return []any{t.ID, t.Name, strings.ToLower(t.Name), string(secrets), string(sites)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func decodeTenant(name string, v any) (scheduler.Tenant, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 4 {
		return scheduler.Tenant{}, &DecodeError{Script: name, Reason: "malformed tenant"}
	}
	var t scheduler.Tenant
	var secrets, sites string
	var ok1, ok2, ok3, ok4 bool
	t.ID, ok1 = arr[0].(string)
	t.Name, ok2 = arr[1].(string)
	secrets, ok3 = arr[2].(string)
	sites, ok4 = arr[3].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 || json.Unmarshal([]byte(secrets), &t.Secrets) != nil || json.Unmarshal([]byte(sites), &t.SiteOrder) != nil {
		return scheduler.Tenant{}, &DecodeError{Script: name, Reason: "malformed tenant"}
	}
	if len(t.SiteOrder) == 0 {
		t.SiteOrder = nil
	}
	return t, nil
}

// AddTenant implements scheduler.TenantStore.
func (s *Store) AddTenant(ctx context.Context, t scheduler.Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	_, err := s.run(ctx, "addTenant", addTenantScript, tenantArgs(t)...)
	return err
}

// Tenant implements scheduler.TenantStore.
func (s *Store) Tenant(ctx context.Context, id string) (scheduler.Tenant, error) {
	arr, err := s.run(ctx, "tenant", getTenantScript, id, "id")
	if err != nil {
		return scheduler.Tenant{}, err
	}
	return decodeTenant("tenant", arg(arr, 1))
}

// TenantByName implements scheduler.TenantStore.
func (s *Store) TenantByName(ctx context.Context, name string) (scheduler.Tenant, error) {
	arr, err := s.run(ctx, "tenantByName", getTenantScript, strings.ToLower(name), "name")
	if err != nil {
		return scheduler.Tenant{}, err
	}
	return decodeTenant("tenantByName", arg(arr, 1))
}

// Tenants implements scheduler.TenantStore.
func (s *Store) Tenants(ctx context.Context) ([]scheduler.Tenant, error) {
	arr, err := s.run(ctx, "tenants", listTenantsScript)
	if err != nil {
		return nil, err
	}
	out := make([]scheduler.Tenant, 0, len(arr)-1)
	for _, v := range arr[1:] {
		t, err := decodeTenant("tenants", v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b scheduler.Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateTenant implements scheduler.TenantStore: it reads the tenant,
// applies u and writes it back unless a concurrent rename came first, in
// which case it tries again.
func (s *Store) UpdateTenant(ctx context.Context, id string, u scheduler.TenantUpdate) (scheduler.Tenant, error) {
	for {
		old, err := s.Tenant(ctx, id)
		if err != nil {
			return scheduler.Tenant{}, err
		}
		t, err := u.Apply(old)
		if err != nil {
			return scheduler.Tenant{}, err
		}
		args := append(tenantArgs(t), strings.ToLower(old.Name))
		_, err = s.run(ctx, "updateTenant", putTenantScript, args...)
		if errors.Is(err, errTenantRenamed) {
			continue
		}
		if err != nil {
			return scheduler.Tenant{}, err
		}
		return t, nil
	}
}

// DeleteTenant implements scheduler.TenantStore.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	_, err := s.run(ctx, "deleteTenant", deleteTenantScript, id)
	return err
}
