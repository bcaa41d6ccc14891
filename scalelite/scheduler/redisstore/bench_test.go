package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// BenchmarkPickVsPing compares a Redis-backed Pick of a new meeting (one
// Lua script: choose the least-loaded of 100 servers, reserve, map) with a
// bare PING through the same go-redis client. Each iteration does one of
// each, interleaved so that both see the same machine load, and reports
// ns/pick, ns/ping and their ratio pick/ping (target: at most 2).
func BenchmarkPickVsPing(b *testing.B) {
	ctx := context.Background()
	c := newClient(b, redistest.Addr(b))
	st := newStore(b, c, redistest.Prefix(b))
	s, err := scheduler.New(scheduler.WithStore(st), scheduler.WithMeetingLister(storetest.NewCluster()))
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		id := fmt.Sprintf("s%03d", i)
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/", Secret: "x"}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Poll(ctx); err != nil {
		b.Fatal(err)
	}
	// Warm up: connection and script cache.
	if err := c.Ping(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pick(ctx, "warmup", ""); err != nil {
		b.Fatal(err)
	}
	var pick, ping time.Duration
	doPing := func() {
		t0 := time.Now()
		if err := c.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		ping += time.Since(t0)
	}
	n := 0
	for b.Loop() {
		if n%2 == 0 { // alternate the order so neither call always goes first
			doPing()
		}
		t0 := time.Now()
		if _, err := s.Pick(ctx, "m"+strconv.Itoa(n), ""); err != nil {
			b.Fatal(err)
		}
		pick += time.Since(t0)
		if n%2 == 1 {
			doPing()
		}
		n++
	}
	b.ReportMetric(float64(pick.Nanoseconds())/float64(n), "ns/pick")
	b.ReportMetric(float64(ping.Nanoseconds())/float64(n), "ns/ping")
	b.ReportMetric(float64(pick)/float64(ping), "pick/ping")
}
