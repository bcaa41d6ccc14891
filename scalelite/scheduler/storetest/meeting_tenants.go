package storetest

import (
	"context"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// testMeetingTenants checks a MeetingTenantStore through two handles: an
// owner recorded by one is read by the other, "" (no tenant) is a recorded
// owner, and forgotten owners are gone for both.
func testMeetingTenants(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, sb := shared(t)
	ma, oka := sa.(scheduler.MeetingTenantStore)
	mb, okb := sb.(scheduler.MeetingTenantStore)
	if !oka || !okb {
		t.Skip("the store does not implement scheduler.MeetingTenantStore")
	}
	ctx := context.Background()
	if id, ok, err := mb.MeetingTenant(ctx, "m1"); err != nil || ok || id != "" {
		t.Fatalf("MeetingTenant(m1) before any record = %q, %v, %v; want \"\", false, nil", id, ok, err)
	}
	for meeting, tenant := range map[string]string{"m1": "t1", "m2": "", "m3": "t2"} {
		if err := ma.SetMeetingTenant(ctx, meeting, tenant); err != nil {
			t.Fatalf("SetMeetingTenant(%s, %q): %v", meeting, tenant, err)
		}
	}
	for meeting, want := range map[string]string{"m1": "t1", "m2": "", "m3": "t2"} {
		if id, ok, err := mb.MeetingTenant(ctx, meeting); err != nil || !ok || id != want {
			t.Errorf("MeetingTenant(%s) through the other handle = %q, %v, %v; want %q, true, nil", meeting, id, ok, err, want)
		}
	}
	if err := mb.ForgetMeetingTenants(ctx, "m1", "m2", "never-seen"); err != nil {
		t.Fatalf("ForgetMeetingTenants: %v", err)
	}
	for meeting, wantOK := range map[string]bool{"m1": false, "m2": false, "m3": true} {
		if _, ok, err := ma.MeetingTenant(ctx, meeting); err != nil || ok != wantOK {
			t.Errorf("MeetingTenant(%s) after forgetting m1 and m2: known %v, %v; want %v", meeting, ok, err, wantOK)
		}
	}
	if err := ma.ForgetMeetingTenants(ctx); err != nil {
		t.Errorf("ForgetMeetingTenants of nothing: %v", err)
	}
}
