package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// roundTrips is a go-redis hook that counts round trips: one per command
// sent alone, one per pipeline, and the names of the commands.
type roundTrips struct {
	n     atomic.Int64
	mu    sync.Mutex
	names map[string]int
}

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		r.mu.Lock()
		r.names[cmd.Name()]++
		r.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		r.mu.Lock()
		r.names["pipeline"]++
		r.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (r *roundTrips) reset() {
	r.n.Store(0)
	r.mu.Lock()
	r.names = make(map[string]int)
	r.mu.Unlock()
}

// TestPollRoundTrips checks that polling a cluster costs one Redis round
// trip to list the servers and one per server (its applyPoll script, which
// reconciles all of its meetings), with and without a lease's fencing token.
func TestPollRoundTrips(t *testing.T) {
	t.Parallel()
	const servers, meetings = 20, 50
	ctx := context.Background()
	c := newClient(t, redistest.Addr(t))
	rt := &roundTrips{}
	rt.reset()
	c.AddHook(rt)
	cluster := storetest.NewCluster()
	st := newStore(t, c, redistest.Prefix(t))
	s, err := scheduler.New(scheduler.WithStore(st), scheduler.WithMeetingLister(cluster))
	if err != nil {
		t.Fatal(err)
	}
	for i := range servers {
		id := fmt.Sprintf("s%02d", i)
		placeMeeting(t, s, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/", Secret: "x"}, "warm-"+id, "")
		for j := range meetings {
			cluster.Start(id, scheduler.Meeting{ID: id + "-m" + strconv.Itoa(j), CreateTime: storetest.Epoch(), ParticipantCount: 3})
		}
	}
	// Round 0 adopts the meetings, warms the script cache and dials the
	// pool's connections; rounds 1 and 2 are the steady state.
	for round := range 3 {
		rt.reset()
		if err := s.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rt.n.Load(); round > 0 && got != servers+1 {
			t.Fatalf("round %d: %d round trips for %d servers (%v), want %d", round, got, servers, rt.names, servers+1)
		}
	}
	if ids, _ := s.MeetingIDs(ctx, "s07"); len(ids) != meetings+1 { // and warm-s07, still pending
		t.Fatalf("s07 holds %d meetings, want %d", len(ids), meetings+1)
	}
	tok, err := st.AcquireLease(ctx, "me", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	rt.reset()
	if _, err := st.ApplyPoll(ctx, "s07", scheduler.PollResult{OK: true, Now: storetest.Epoch(), MeetingIDs: []string{"x"},
		HealthyThreshold: 1, UnhealthyThreshold: 1, Token: tok}); err != nil {
		t.Fatal(err)
	}
	if got := rt.n.Load(); got != 1 {
		t.Fatalf("a fenced ApplyPoll took %d round trips (%v), want 1", got, rt.names)
	}
}
