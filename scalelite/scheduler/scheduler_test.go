package scheduler_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opt   scheduler.Option
		field string // the option the error names
	}{
		{"nil option", nil, "option"},
		{"nil store", scheduler.WithStore(nil), "WithStore"},
		{"nil lister", scheduler.WithMeetingLister(nil), "WithMeetingLister"},
		{"nil load func", scheduler.WithLoadFunc(nil), "WithLoadFunc"},
		{"negative reserve", scheduler.WithReservation(-1), "WithReservation"},
		{"NaN reserve", scheduler.WithReservation(math.NaN()), "WithReservation"},
		{"nil clock", scheduler.WithClock(nil), "WithClock"},
		{"nil observer", scheduler.WithObserver(nil), "WithObserver"},
		{"zero interval", scheduler.WithPollInterval(0), "WithPollInterval"},
		{"zero timeout", scheduler.WithPollTimeout(0), "WithPollTimeout"},
		{"zero concurrency", scheduler.WithPollConcurrency(0), "WithPollConcurrency"},
		{"zero healthy", scheduler.WithHealthThresholds(0, 2), "WithHealthThresholds"},
		{"zero unhealthy", scheduler.WithHealthThresholds(1, 0), "WithHealthThresholds"},
		{"negative grace", scheduler.WithPendingGrace(-time.Second), "WithPendingGrace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := scheduler.New(tc.opt)
			var ve *scheduler.ValidationError
			if !errors.Is(err, scheduler.ErrInvalid) || !errors.As(err, &ve) || ve.Field != tc.field || s != nil {
				t.Fatalf("New = %v, %v; want a ValidationError naming %s", s, err, tc.field)
			}
		})
	}
	s, err := scheduler.New()
	if err != nil || s.Store() == nil {
		t.Fatalf("New() = %v, %v", s, err)
	}
}

func newScheduler(t *testing.T) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddServerValidates(t *testing.T) {
	t.Parallel()
	const secret = "validation-secret-123"
	good := scheduler.ServerConfig{ID: "a", URL: "https://bbb.example.com/bigbluebutton/api/", Secret: secret}
	cases := []struct {
		name  string
		edit  func(*scheduler.ServerConfig)
		field string
	}{
		{"no URL", func(c *scheduler.ServerConfig) { c.URL = "" }, "url"},
		{"relative URL", func(c *scheduler.ServerConfig) { c.URL = "/bigbluebutton/api" }, "url"},
		{"ftp URL", func(c *scheduler.ServerConfig) { c.URL = "ftp://bbb.example.com/" }, "url"},
		{"URL with credentials", func(c *scheduler.ServerConfig) { c.URL = "https://admin:" + secret + "@bbb.example.com/" }, "url"},
		{"unparsable URL", func(c *scheduler.ServerConfig) { c.URL = "https://bbb.example.com/%zz" + secret }, "url"},
		{"no secret", func(c *scheduler.ServerConfig) { c.Secret = "" }, "secret"},
		{"tag none", func(c *scheduler.ServerConfig) { c.Tag = "none" }, "tag"},
		{"tag list", func(c *scheduler.ServerConfig) { c.Tag = "a;b" }, "tag"},
		{"tag bang", func(c *scheduler.ServerConfig) { c.Tag = "a!" }, "tag"},
		{"long tag", func(c *scheduler.ServerConfig) { c.Tag = strings.Repeat("t", 300) }, "tag"},
		{"negative multiplier", func(c *scheduler.ServerConfig) { c.LoadMultiplier = -1 }, "load multiplier"},
		{"infinite multiplier", func(c *scheduler.ServerConfig) { c.LoadMultiplier = math.Inf(1) }, "load multiplier"},
		{"ID with space", func(c *scheduler.ServerConfig) { c.ID = "a b" }, "server ID"},
		{"long ID", func(c *scheduler.ServerConfig) { c.ID = strings.Repeat("i", 300) }, "server ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScheduler(t)
			cfg := good
			tc.edit(&cfg)
			_, err := s.AddServer(context.Background(), cfg)
			var ve *scheduler.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, scheduler.ErrInvalid) {
				t.Fatalf("AddServer: %v, want a *ValidationError for %q", err, tc.field)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			if list, _ := s.Servers(context.Background()); len(list) != 0 {
				t.Fatalf("invalid server stored: %v", list)
			}
		})
	}
	s := newScheduler(t)
	srv, err := s.AddServer(context.Background(), good)
	if err != nil || srv.LoadMultiplier != 1 {
		t.Fatalf("AddServer(good) = %v, %v", srv, err)
	}
}

func TestUpdateServerValidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newScheduler(t)
	if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "a", URL: "https://a.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	bad := scheduler.State("paused")
	zero, empty, badTag := 0.0, "", "x;y"
	for name, u := range map[string]scheduler.ServerUpdate{
		"state":      {State: &bad},
		"multiplier": {LoadMultiplier: &zero},
		"secret":     {Secret: &empty},
		"tag":        {Tag: &badTag},
	} {
		if _, err := s.UpdateServer(ctx, "a", u); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if srv, _ := s.Server(ctx, "a"); srv.State != scheduler.StateDisabled || srv.Secret != "x" {
		t.Fatalf("rejected updates changed the server: %#v", srv)
	}
}

func TestPickValidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newScheduler(t)
	for _, id := range []string{"", strings.Repeat("m", scheduler.MaxMeetingIDLength+1)} {
		if _, err := s.Pick(ctx, id, ""); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("Pick(%d bytes): %v, want ErrInvalid", len(id), err)
		}
		if _, err := s.Lookup(ctx, id); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("Lookup(%d bytes): %v, want ErrInvalid", len(id), err)
		}
		if err := s.Release(ctx, id); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("Release(%d bytes): %v, want ErrInvalid", len(id), err)
		}
	}
	if err := s.AddLoad(ctx, "a", math.NaN()); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("AddLoad(NaN): %v, want ErrInvalid", err)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newScheduler(t)
	if _, err := s.AddServer(ctx, scheduler.ServerConfig{URL: "https://a.example.com/", Secret: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddServer: %v", err)
	}
	if _, err := s.Pick(ctx, "m", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pick: %v", err)
	}
	if err := s.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Poll: %v", err)
	}
}

func TestErrorsAndStrings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		is   error
		text string
	}{
		{&scheduler.TagUnavailableError{Tag: "gpu!"}, scheduler.ErrTagUnavailable, `scheduler: no available server with tag "gpu!"`},
		{&scheduler.ValidationError{Field: "url", Reason: "bad"}, scheduler.ErrInvalid, "scheduler: invalid url: bad"},
		{&scheduler.PollError{ServerID: "a", Err: context.DeadlineExceeded}, context.DeadlineExceeded, `scheduler: poll server "a": context deadline exceeded`},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.is) || tc.err.Error() != tc.text {
			t.Errorf("%#v: Is(%v) = %v, text %q", tc.err, tc.is, errors.Is(tc.err, tc.is), tc.err.Error())
		}
	}
	if got := scheduler.EventPlaced.String(); got != "placed" {
		t.Errorf("EventPlaced = %q", got)
	}
	if got := scheduler.EventMeetingsCleared.String(); got != "meetings_cleared" {
		t.Errorf("EventMeetingsCleared = %q", got)
	}
	if got := scheduler.EventKind(99).String(); got != "EventKind(99)" {
		t.Errorf("EventKind(99) = %q", got)
	}
	srv := scheduler.Server{ID: "a", URL: "https://a/", Secret: "hidden", State: scheduler.StateEnabled, Online: true, Load: 15, LoadMultiplier: 1.5}
	if got, want := srv.String(), `server a (https://a/, enabled, online, tag "", site "", load 15 x1.5, capacity 0)`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !srv.Available() {
		t.Error("enabled online server is not available")
	}
}

func TestClockStampsEvents(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC)
	var got []time.Time
	s, err := scheduler.New(scheduler.WithClock(func() time.Time { return fixed }),
		scheduler.WithObserver(func(e scheduler.Event) { got = append(got, e.Time) }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pick(context.Background(), "m", ""); !errors.Is(err, scheduler.ErrNoServer) {
		t.Fatalf("Pick: %v", err)
	}
	if len(got) != 1 || !got[0].Equal(fixed) {
		t.Fatalf("event times %v, want [%v]", got, fixed)
	}
}
