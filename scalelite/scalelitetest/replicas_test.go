package scalelitetest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// TestTenantIsolationAcrossReplicas runs two balancer replicas on one store:
// a meeting created by one tenant through replica A stays invisible to
// another tenant who asks replica B, which never saw the create.
func TestTenantIsolationAcrossReplicas(t *testing.T) {
	t.Parallel()
	store := scheduler.NewMemoryStore()
	c := newClusterWith(t, 1, []scheduler.Option{scheduler.WithStore(store)}, WithMultitenancy())
	ctx := context.Background()
	for _, tn := range []scalelite.AddTenantParams{
		{Name: "school1", Secrets: []string{"school1-secret"}},
		{Name: "school2", Secrets: []string{"school2-secret"}},
	} {
		if _, err := c.admin.AddTenant(ctx, &tn); err != nil {
			t.Fatalf("AddTenant(%s): %v", tn.Name, err)
		}
	}
	schedB, err := scheduler.New(scheduler.WithStore(store),
		scheduler.WithMeetingLister(scheduler.NewBBBLister(bbb.WithHTTPClient(c.hc))),
		scheduler.WithPendingGrace(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	replicaB := NewServer(WithHTTPClient(c.hc), WithScheduler(schedB), WithMultitenancy(), WithSecret(c.sl.Secret))
	t.Cleanup(replicaB.Close)

	// tenantClient reaches srv with requests whose Host names the tenant.
	tenantClient := func(srv *Server, name, secret string) *bbb.Client {
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := bbb.New("http://"+name+".scalelite.test:"+u.Port()+"/bigbluebutton/api/", secret,
			bbb.WithHTTPClient(&http.Client{Transport: hostRewrite{c.hc.Transport, u.Host}}))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	if _, err := tenantClient(c.sl, "school1", "school1-secret").CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room a", MeetingID: "t1-room"}); err != nil {
		t.Fatalf("CreateMeeting through replica A: %v", err)
	}
	s2 := tenantClient(replicaB, "school2", "school2-secret")
	if _, err := s2.GetMeetingInfo(ctx, "t1-room"); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("GetMeetingInfo(t1-room) by school2 through replica B = %v; want ErrNotFound", err)
	}
	if _, err := s2.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room x", MeetingID: "t1-room"}); err == nil {
		t.Error("school2 re-created school1's meeting through replica B")
	}
	s1 := tenantClient(replicaB, "school1", "school1-secret")
	if _, err := s1.GetMeetingInfo(ctx, "t1-room"); err != nil {
		t.Errorf("GetMeetingInfo(t1-room) by its own tenant through replica B: %v", err)
	}
}
