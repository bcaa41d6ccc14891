package scheduler_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestParseSiteOrder(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":              nil,
		"b,a":           {"b", "a"},
		" b , a ,, b ,": {"b", "a"},
		"west":          {"west"},
	} {
		got, err := scheduler.ParseSiteOrder(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseSiteOrder(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a b", "a,\x00", string(make([]byte, scheduler.MaxIDLength+1))} {
		var ve *scheduler.ValidationError
		if _, err := scheduler.ParseSiteOrder(bad); !errors.As(err, &ve) || ve.Field != "site" {
			t.Errorf("ParseSiteOrder(%q): %v, want a ValidationError for site", bad, err)
		}
	}
}

func TestSiteAndCapacityValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := scheduler.New(scheduler.WithSiteOrder("a", "")); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("WithSiteOrder with an empty site: %v", err)
	}
	if _, err := scheduler.New(scheduler.WithSiteOrder("a,b")); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("WithSiteOrder with a comma: %v", err)
	}
	s, err := scheduler.New(scheduler.WithSiteOrder("a", "b", "a"))
	if err != nil {
		t.Fatal(err)
	}
	base := scheduler.ServerConfig{ID: "s", URL: "https://s.example.com/", Secret: "x"}
	for name, mod := range map[string]func(*scheduler.ServerConfig){
		"site with space":   func(c *scheduler.ServerConfig) { c.Site = "a b" },
		"site with comma":   func(c *scheduler.ServerConfig) { c.Site = "a,b" },
		"negative capacity": func(c *scheduler.ServerConfig) { c.Capacity = -1 },
		"NaN capacity":      func(c *scheduler.ServerConfig) { c.Capacity = math.NaN() },
		"infinite capacity": func(c *scheduler.ServerConfig) { c.Capacity = math.Inf(1) },
	} {
		cfg := base
		mod(&cfg)
		if _, err := s.AddServer(ctx, cfg); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("AddServer with %s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.AddServer(ctx, base); err != nil {
		t.Fatal(err)
	}
	bad, negative := "x y", -3.0
	if _, err := s.UpdateServer(ctx, "s", scheduler.ServerUpdate{Site: &bad}); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("UpdateServer with a bad site: %v", err)
	}
	if _, err := s.UpdateServer(ctx, "s", scheduler.ServerUpdate{Capacity: &negative}); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("UpdateServer with a negative capacity: %v", err)
	}
	var ve *scheduler.ValidationError
	if _, err := s.Pick(ctx, "m", "", scheduler.PreferSites("a b")); !errors.As(err, &ve) || ve.Field != "PreferSites" {
		t.Errorf("Pick with a bad site order: %v, want a ValidationError for PreferSites", err)
	}
}

func TestServerFull(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		srv             scheduler.Server
		full, accepting bool
		free            float64
	}{
		{scheduler.Server{State: scheduler.StateEnabled, Online: true, Load: 10}, false, true, 0},
		{scheduler.Server{State: scheduler.StateEnabled, Online: true, Load: 9.5, Capacity: 10}, false, true, 0.5},
		{scheduler.Server{State: scheduler.StateEnabled, Online: true, Load: 10, Capacity: 10}, true, false, 0},
		{scheduler.Server{State: scheduler.StateEnabled, Online: true, Load: 12, Capacity: 10}, true, false, 0},
		{scheduler.Server{State: scheduler.StateCordoned, Online: true, Load: 1, Capacity: 10}, false, false, 9},
	} {
		if got := tc.srv.Full(); got != tc.full {
			t.Errorf("%v: Full = %v", tc.srv, got)
		}
		if got := tc.srv.Accepting(); got != tc.accepting {
			t.Errorf("%v: Accepting = %v", tc.srv, got)
		}
		if got := tc.srv.Free(); got != tc.free {
			t.Errorf("%v: Free = %v, want %v", tc.srv, got, tc.free)
		}
	}
}
