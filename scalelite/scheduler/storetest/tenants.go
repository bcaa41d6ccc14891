package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// testTenants checks a TenantStore: add, look up by ID and by name in any
// case, list, update (rename included), delete, validation, and that two
// handles see the same tenants.
func testTenants(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, sb := shared(t)
	ta, oka := sa.(scheduler.TenantStore)
	tb, okb := sb.(scheduler.TenantStore)
	if !oka || !okb {
		t.Skip("the store does not implement scheduler.TenantStore")
	}
	ctx := context.Background()
	acme := scheduler.Tenant{ID: "t1", Name: "Acme", Secrets: []string{testSecret, "second-secret"}, SiteOrder: []string{"b", "a"}}
	if err := ta.AddTenant(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if err := ta.AddTenant(ctx, scheduler.Tenant{ID: "t2", Name: "umbrella", Secrets: []string{"u"}}); err != nil {
		t.Fatal(err)
	}
	for name, dup := range map[string]scheduler.Tenant{
		"same ID":   {ID: "t1", Name: "other", Secrets: []string{"x"}},
		"same name": {ID: "t3", Name: "ACME", Secrets: []string{"x"}},
	} {
		if err := tb.AddTenant(ctx, dup); !errors.Is(err, scheduler.ErrTenantExists) {
			t.Errorf("AddTenant with the %s: %v, want ErrTenantExists", name, err)
		}
	}
	for name, bad := range map[string]scheduler.Tenant{
		"no ID":          {Name: "x", Secrets: []string{"x"}},
		"name with dot":  {ID: "t9", Name: "a.b", Secrets: []string{"x"}},
		"no secret":      {ID: "t9", Name: "x"},
		"secret with :":  {ID: "t9", Name: "x", Secrets: []string{"a:b"}},
		"bad site order": {ID: "t9", Name: "x", Secrets: []string{"x"}, SiteOrder: []string{"a b"}},
	} {
		if err := ta.AddTenant(ctx, bad); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("AddTenant with %s: %v, want ErrInvalid", name, err)
		}
	}
	if got, err := tb.Tenant(ctx, "t1"); err != nil || !reflect.DeepEqual(got, acme) {
		t.Fatalf("Tenant(t1) through the other handle = %#v, %v", got, err)
	}
	if got, err := tb.TenantByName(ctx, "aCmE"); err != nil || got.ID != "t1" {
		t.Fatalf("TenantByName(aCmE) = %v, %v", got, err)
	}
	if _, err := ta.Tenant(ctx, "nope"); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("Tenant(nope): %v", err)
	}
	if _, err := ta.TenantByName(ctx, "nope"); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("TenantByName(nope): %v", err)
	}
	testTenantChanges(t, ta, tb, acme)
}

// testTenantChanges updates, renames, lists and deletes tenants t1 (acme)
// and t2 (umbrella) through two handles.
func testTenantChanges(t *testing.T, ta, tb scheduler.TenantStore, acme scheduler.Tenant) {
	ctx := context.Background()
	name, secrets := "acme2", []string{"rotated"}
	up, err := ta.UpdateTenant(ctx, "t1", scheduler.TenantUpdate{Name: &name, Secrets: &secrets})
	if err != nil || up.Name != "acme2" || !reflect.DeepEqual(up.Secrets, secrets) || !reflect.DeepEqual(up.SiteOrder, acme.SiteOrder) {
		t.Fatalf("UpdateTenant = %v, %v", up, err)
	}
	if _, err := tb.TenantByName(ctx, "acme"); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("old name still found: %v", err)
	}
	if got, err := tb.TenantByName(ctx, "ACME2"); err != nil || got.ID != "t1" {
		t.Fatalf("TenantByName(ACME2) = %v, %v", got, err)
	}
	taken := "Umbrella"
	if _, err := ta.UpdateTenant(ctx, "t1", scheduler.TenantUpdate{Name: &taken}); !errors.Is(err, scheduler.ErrTenantExists) {
		t.Fatalf("rename to a taken name: %v", err)
	}
	empty := []string{}
	if _, err := ta.UpdateTenant(ctx, "t1", scheduler.TenantUpdate{Secrets: &empty}); !errors.Is(err, scheduler.ErrInvalid) {
		t.Fatalf("update without secrets: %v", err)
	}
	if _, err := ta.UpdateTenant(ctx, "nope", scheduler.TenantUpdate{Name: &name}); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("update of a missing tenant: %v", err)
	}

	list, err := tb.Tenants(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "t1" || list[1].ID != "t2" {
		t.Fatalf("Tenants = %v, %v", list, err)
	}
	if err := tb.DeleteTenant(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if err := ta.DeleteTenant(ctx, "t1"); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := ta.TenantByName(ctx, "acme2"); !errors.Is(err, scheduler.ErrTenantNotFound) {
		t.Fatalf("name of a deleted tenant: %v", err)
	}
	if err := ta.AddTenant(ctx, scheduler.Tenant{ID: "t3", Name: "acme2", Secrets: []string{"x"}}); err != nil {
		t.Fatalf("name of a deleted tenant not free again: %v", err)
	}
	for _, s := range []string{fmt.Sprint(acme), fmt.Sprintf("%#v", acme), fmt.Sprintf("%+v", list)} {
		if strings.Contains(s, testSecret) {
			t.Fatalf("secret shown in %q", s)
		}
	}
}
