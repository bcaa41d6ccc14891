package scheduler_test

import (
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// BenchmarkPollCycle measures full poll cycles of 1,000 servers with 50
// meetings each on the in-memory store, at the default concurrency and
// per-call latencies of 1, 10 and 100 ms, against the ideal servers ×
// latency ÷ concurrency and a baseline of the bare fake calls (see
// storetest.BenchPoll; target x-ideal at most 1.3). The 100ms case is the
// scale of the issue: ideal 25 s, within one default poll interval (60 s);
// run it with -benchtime=1x.
func BenchmarkPollCycle(b *testing.B) {
	for _, latency := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond} {
		b.Run(latency.String(), func(b *testing.B) {
			storetest.BenchPoll(b, func(*testing.B) scheduler.Store { return scheduler.NewMemoryStore() }, storetest.PollBench{
				Servers: 1000, Meetings: 50, Latency: latency, Concurrency: scheduler.DefaultPollConcurrency,
			})
		})
	}
}
