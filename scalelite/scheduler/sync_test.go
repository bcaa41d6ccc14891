package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestSyncServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lister := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) { return nil, nil })
	s, err := scheduler.New(scheduler.WithMeetingLister(lister))
	if err != nil {
		t.Fatal(err)
	}
	pool := []scheduler.ServerSpec{
		{ID: "a1", URL: "https://a1.example.com/bigbluebutton/api/", Secret: "s-a1", Site: "a", Capacity: 250},
		{ID: "b1", URL: "https://b1.example.com/bigbluebutton/api/", Secret: "s-b1", Site: "b", State: scheduler.StateCordoned},
	}
	strs := func(cs []scheduler.SyncChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.String())
		}
		return out
	}
	dry, err := s.SyncServers(ctx, pool, "", true)
	if err != nil || !slices.Equal(strs(dry), []string{"add a1", "add b1"}) {
		t.Fatalf("dry run = %v, %v", strs(dry), err)
	}
	if list, _ := s.Servers(ctx); len(list) != 0 {
		t.Fatalf("a dry run changed the store: %v", list)
	}
	if _, err := s.SyncServers(ctx, pool, scheduler.SyncCordon, false); err != nil {
		t.Fatal(err)
	}
	if a1, _ := s.Server(ctx, "a1"); a1.State != scheduler.StateEnabled || a1.Site != "a" || a1.Capacity != 250 {
		t.Fatalf("a1 = %v", a1)
	}
	if again, err := s.SyncServers(ctx, pool, "", false); err != nil || len(again) != 0 {
		t.Fatalf("second sync = %v, %v; want no change", strs(again), err)
	}
	if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "old", URL: "https://old.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(ctx, "old", scheduler.StateEnabled); err != nil {
		t.Fatal(err)
	}
	pool[0].Secret, pool[0].Capacity = "rotated", 300
	changes, err := s.SyncServers(ctx, pool, scheduler.SyncCordon, false)
	want := []string{"update a1: secret, capacity 300", "cordon old"}
	if err != nil || !slices.Equal(strs(changes), want) {
		t.Fatalf("sync = %v, %v; want %v", strs(changes), err, want)
	}
	for _, c := range strs(changes) {
		if strings.Contains(c, "rotated") {
			t.Fatalf("change %q shows a secret", c)
		}
	}
	if old, _ := s.Server(ctx, "old"); old.State != scheduler.StateCordoned {
		t.Fatalf("old = %v, want cordoned", old)
	}
	if kept, err := s.SyncServers(ctx, pool, scheduler.SyncKeep, false); err != nil || len(kept) != 0 {
		t.Fatalf("keep = %v, %v", strs(kept), err)
	}
	if forced, err := s.SyncServers(ctx, pool, scheduler.SyncForce, false); err != nil || !slices.Equal(strs(forced), []string{"delete old"}) {
		t.Fatalf("force = %v, %v", strs(forced), err)
	}
	for name, bad := range map[string][]scheduler.ServerSpec{
		"duplicate":  {pool[0], pool[0]},
		"no secret":  {{ID: "x", URL: "https://x.example.com/"}},
		"bad state":  {{ID: "x", URL: "https://x.example.com/", Secret: "x", State: "paused"}},
		"url change": {{ID: "a1", URL: "https://elsewhere.example.com/", Secret: "x"}},
	} {
		if _, err := s.SyncServers(ctx, bad, "", false); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.SyncServers(ctx, pool, "nuke", true); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("unknown mode: %v", err)
	}
}
