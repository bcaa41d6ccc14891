package scalelite

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSitesCapacityAndDrainBodies checks the bbbkit extensions on the wire:
// site and capacity in addServer and updateServer, the drainServer body,
// and the answers of getCapacity and getServers.
func TestSitesCapacityAndDrainBodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	bodies := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.URL.Path[len("/scalelite/api/"):]
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		bodies[action] = m
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch action {
		case "getCapacity":
			_, _ = io.WriteString(w, `{"sites":[{"site":"a","servers":2,"online":2,"available":2,"accepting":1,"load":130,"capacity":200,"free":70,"meetings":5,"users":120}],"total":{"site":"","servers":2,"free":70}}`)
		default:
			_, _ = io.WriteString(w, `{"id":"s1","url":"https://h/bigbluebutton/api","secret":"x","state":"cordoned","load":"unavailable","load_multiplier":"1.0","online":"online","site":"a","capacity":"250"}`)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, testSecret)
	if err != nil {
		t.Fatalf("New(srv.URL, testSecret): %v", err)
	}

	s, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/bigbluebutton/api", Secret: "x", Site: "a", Capacity: 250})
	if err != nil {
		t.Fatalf("c.AddServer(...): %v", err)
	}
	if s.Site != "a" {
		t.Errorf("s.Site = %q; want %q", s.Site, "a")
	}
	if s.Capacity != 250.0 {
		t.Errorf("s.Capacity = %v; want %v (a capacity sent as a string reads as a number)", s.Capacity, 250.0)
	}
	if diff := cmp.Diff(map[string]any{"url": "https://h/bigbluebutton/api", "secret": "x", "site": "a", "capacity": 250.0}, bodies["addServer"]["server"]); diff != "" {
		t.Errorf("bodies[\"addServer\"][\"server\"] mismatch (-want +got):\n%s", diff)
	}

	_, err = c.UpdateServer(ctx, "s1", &UpdateServerParams{Site: new(""), Capacity: new(0.0)})
	if err != nil {
		t.Fatalf("c.UpdateServer(...): %v", err)
	}
	if diff := cmp.Diff(map[string]any{"site": "", "capacity": 0.0}, bodies["updateServer"]["server"]); diff != "" {
		t.Errorf("bodies[\"updateServer\"][\"server\"] mismatch (-want +got) (pointers to zero values remove):\n%s", diff)
	}

	_, err = c.DrainServer(ctx, "s1", &DrainServerParams{Deadline: 90 * time.Second, EndMeetings: true, Message: "bye"})
	if err != nil {
		t.Fatalf("c.DrainServer(...): %v", err)
	}
	if diff := cmp.Diff(map[string]any{"id": "s1", "deadline_seconds": 90.0, "at_deadline": "end", "message": "bye"}, bodies["drainServer"]); diff != "" {
		t.Errorf("bodies[\"drainServer\"] mismatch (-want +got):\n%s", diff)
	}
	_, err = c.DrainServer(ctx, "s1", nil)
	if err != nil {
		t.Fatalf("c.DrainServer(ctx, \"s1\", nil): %v", err)
	}
	if diff := cmp.Diff(map[string]any{"id": "s1", "at_deadline": "fail"}, bodies["drainServer"]); diff != "" {
		t.Errorf("bodies[\"drainServer\"] mismatch (-want +got):\n%s", diff)
	}

	capacity, err := c.GetCapacity(ctx)
	if err != nil {
		t.Fatalf("c.GetCapacity(ctx): %v", err)
	}
	if len(capacity.Sites) != 1 {
		t.Fatalf("len(capacity.Sites) = %d; want %d: %v", len(capacity.Sites), 1, capacity.Sites)
	}
	if capacity.Sites[0].Free != 70.0 {
		t.Errorf("capacity.Sites[0].Free = %v; want %v", capacity.Sites[0].Free, 70.0)
	}
	if capacity.Total.Servers != 2 {
		t.Errorf("capacity.Total.Servers = %v; want %v", capacity.Total.Servers, 2)
	}

	for name, run := range map[string]func() error{
		"drain empty id": func() error { _, err := c.DrainServer(ctx, "", nil); return err },
		"drain negative": func() error { _, err := c.DrainServer(ctx, "s1", &DrainServerParams{Deadline: -1}); return err },
		"add negative capacity": func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/x", Secret: "x", Capacity: -1})
			return err
		},
		"update NaN capacity": func() error {
			nan := 0.0
			nan /= nan
			_, err := c.UpdateServer(ctx, "s1", &UpdateServerParams{Capacity: &nan})
			return err
		},
	} {
		var ae *ParamError
		if err := run(); !errors.As(err, &ae) {
			t.Errorf("%s: err = %v; want a *ParamError", name, err)
		}
	}
}
