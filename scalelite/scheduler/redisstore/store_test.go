package redisstore_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/redisstore"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(leaseChildEnv); spec != "" {
		leaseChild(spec)
		return
	}
	goleak.VerifyTestMain(m)
}

// newClient returns a client of a Redis server shared by the calling test
// and its subtests, closed at the end.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newStore(t testing.TB, c redis.Scripter, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	addr := redistest.Addr(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) scheduler.Store {
			return newStore(t, newClient(t, addr), redistest.Prefix(t))
		},
		Shared: func(t *testing.T) (scheduler.Store, scheduler.Store) {
			p := redistest.Prefix(t)
			return newStore(t, newClient(t, addr), p), newStore(t, newClient(t, addr), p)
		},
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, tc := range []struct {
		name  string
		rdb   redis.Scripter
		opts  []redisstore.Option
		field string // what the error names
	}{
		{"nil client", nil, nil, "redis client"},
		{"empty prefix", c, []redisstore.Option{redisstore.WithPrefix("")}, "WithPrefix"},
		{"prefix with space", c, []redisstore.Option{redisstore.WithPrefix("a b")}, "WithPrefix"},
		{"nil option", c, []redisstore.Option{nil}, "option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := redisstore.New(tc.rdb, tc.opts...)
			var ve *scheduler.ValidationError
			if !errors.Is(err, scheduler.ErrInvalid) || !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("New: %v, want a ValidationError naming %s", err, tc.field)
			}
		})
	}
	s, err := redisstore.New(c)
	if err != nil || s.Prefix() != redisstore.DefaultPrefix {
		t.Fatalf("New() = %v, %v", s, err)
	}
}

// placeMeeting adds the server cfg, enables and polls it, and places
// meetingID with the tag expression tags.
func placeMeeting(t *testing.T, sched *scheduler.Scheduler, cfg scheduler.ServerConfig, meetingID, tags string) {
	t.Helper()
	ctx := context.Background()
	if _, err := sched.AddServer(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := sched.SetState(ctx, cfg.ID, scheduler.StateEnabled); err != nil {
		t.Fatal(err)
	}
	if err := sched.PollServer(ctx, cfg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sched.Pick(ctx, meetingID, tags); err != nil {
		t.Fatal(err)
	}
}

func TestKeysAreNamespaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t, redistest.Addr(t))
	prefix := redistest.Prefix(t)
	other := redistest.Prefix(t)
	// The Redis may be shared with other tests (BBBKIT_REDIS_ADDR), so look
	// only at keys that mention names unique to this test.
	token := strings.Trim(redistest.Prefix(t), ":")
	token = strings.ReplaceAll(token, ":", "-")
	sched, err := scheduler.New(scheduler.WithStore(newStore(t, c, prefix)), scheduler.WithMeetingLister(storetest.NewCluster()))
	if err != nil {
		t.Fatal(err)
	}
	placeMeeting(t, sched, scheduler.ServerConfig{ID: token, URL: "https://a.example.com/", Secret: "x", Tag: token}, "meeting-"+token, token+"!")
	keys, err := c.Keys(ctx, "*"+token+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 4 { // server, avail:<tag>, meeting, smeetings
		t.Fatalf("keys %q, want at least 4", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("key %q outside the prefix %q", k, prefix)
		}
	}
	list, err := newStore(t, c, other).Servers(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("another prefix sees %v, %v", list, err)
	}
}

func TestMappingsHaveNoTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t, redistest.Addr(t))
	prefix := redistest.Prefix(t)
	clock := storetest.NewClock(storetest.Epoch())
	sched, err := scheduler.New(scheduler.WithStore(newStore(t, c, prefix)), scheduler.WithClock(clock.Now),
		scheduler.WithMeetingLister(storetest.NewCluster()))
	if err != nil {
		t.Fatal(err)
	}
	placeMeeting(t, sched, scheduler.ServerConfig{ID: "a", URL: "https://a.example.com/", Secret: "x"}, "m", "")
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if ttl := c.TTL(ctx, k).Val(); ttl != -1 {
			t.Errorf("key %q has TTL %v, want none", k, ttl)
		}
	}
}

func TestForeignDataIsADecodeError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t, redistest.Addr(t))
	prefix := redistest.Prefix(t)
	s := newStore(t, c, prefix)
	c.SAdd(ctx, prefix+"servers", "x")
	c.HSet(ctx, prefix+"server:x", "url", "https://x/", "state", "bogus")
	_, err := s.Server(ctx, "x")
	var de *redisstore.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("Server on foreign data: %v, want *DecodeError", err)
	}
	if _, err := s.Servers(ctx); !errors.As(err, &de) {
		t.Fatalf("Servers on foreign data: %v, want *DecodeError", err)
	}
}

func TestRedisDownNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "top-secret-value-42"
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	s := newStore(t, c, "p:")
	err := s.AddServer(context.Background(), scheduler.Server{ID: "a", URL: "https://a/", Secret: secret,
		State: scheduler.StateDisabled, LoadMultiplier: 1})
	if err == nil {
		t.Fatal("AddServer against a closed port succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error shows the secret: %v", err)
	}
	if _, err := s.Pick(context.Background(), scheduler.PickRequest{MeetingID: "m"}); err == nil ||
		errors.Is(err, scheduler.ErrNoServer) {
		t.Fatalf("Pick against a closed port: %v, want a connection error", err)
	}
}
