package redisstore_test

import (
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// BenchmarkPollCycle is the scheduler's BenchmarkPollCycle on a Redis
// store: 1,000 servers with 50 meetings each, default concurrency, 10 and
// 100 ms per call, one applyPoll script (one round trip, see
// TestPollRoundTrips) per server. Run the 100ms case with -benchtime=1x.
func BenchmarkPollCycle(b *testing.B) {
	addr := redistest.Addr(b)
	for _, latency := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond} {
		b.Run(latency.String(), func(b *testing.B) {
			storetest.BenchPoll(b, func(b *testing.B) scheduler.Store {
				return newStore(b, newClient(b, addr), redistest.Prefix(b))
			}, storetest.PollBench{Servers: 1000, Meetings: 50, Latency: latency, Concurrency: scheduler.DefaultPollConcurrency})
		})
	}
}
