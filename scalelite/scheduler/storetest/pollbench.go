package storetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// LatencyLister is a fake cluster for benchmarks: every server runs
// Meetings meetings ("<server ID>-meeting-<i>", 10 users each) and answers
// after Latency, like a BigBlueButton server across a network.
type LatencyLister struct {
	Latency  time.Duration
	Meetings int
}

// ListMeetings implements scheduler.MeetingLister.
func (l LatencyLister) ListMeetings(ctx context.Context, srv scheduler.Server) ([]scheduler.Meeting, error) {
	t := time.NewTimer(l.Latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	out := make([]scheduler.Meeting, l.Meetings)
	for i := range out {
		out[i] = scheduler.Meeting{ID: srv.ID + "-meeting-" + strconv.Itoa(i), CreateTime: time.Unix(0, 0), ParticipantCount: 10}
	}
	return out, nil
}

// PollBench sizes BenchPoll.
type PollBench struct {
	Servers     int           // servers in the cluster
	Meetings    int           // meetings on each server
	Latency     time.Duration // of each server's answer
	Concurrency int           // WithPollConcurrency
}

// BenchPoll runs two sub-benchmarks of a full poll cycle over store:
// "baseline" makes the same fake calls with the same concurrency and
// nothing else (what the machine's timers and scheduling cost), "poll" runs
// Scheduler.Poll. Each reports cycle-s (seconds per cycle), ideal-s
// (Servers × Latency ÷ Concurrency, the listing alone with perfect overlap)
// and x-ideal, their ratio. newStore is called once, for "poll".
func BenchPoll(b *testing.B, newStore func(b *testing.B) scheduler.Store, p PollBench) {
	lister := LatencyLister{Latency: p.Latency, Meetings: p.Meetings}
	ideal := time.Duration(p.Servers) * p.Latency / time.Duration(p.Concurrency)
	b.Run("baseline", func(b *testing.B) {
		servers := make([]scheduler.Server, p.Servers)
		for i := range servers {
			servers[i].ID = fmt.Sprintf("s%05d", i)
		}
		reportCycles(b, ideal, func() error { return listAll(lister, servers, p.Concurrency) })
	})
	b.Run("poll", func(b *testing.B) {
		s, err := scheduler.New(scheduler.WithStore(newStore(b)), scheduler.WithMeetingLister(lister),
			scheduler.WithPollConcurrency(p.Concurrency), scheduler.WithPollTimeout(time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for i := range p.Servers {
			id := fmt.Sprintf("s%05d", i)
			if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/", Secret: "x"}); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil {
				b.Fatal(err)
			}
		}
		reportCycles(b, ideal, func() error { return s.Poll(ctx) })
		servers, err := s.Servers(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, srv := range servers {
			if !srv.Online || srv.Meetings != p.Meetings {
				b.Fatalf("after the polls %v, want online with %d meetings", srv, p.Meetings)
			}
		}
	})
}

// listAll calls the lister for every server, concurrency at a time.
func listAll(l LatencyLister, servers []scheduler.Server, concurrency int) error {
	ctx := context.Background()
	sem := make(chan struct{}, concurrency)
	errs := make(chan error, len(servers))
	for _, srv := range servers {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := l.ListMeetings(ctx, srv)
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func reportCycles(b *testing.B, ideal time.Duration, cycle func() error) {
	var total time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if err := cycle(); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		n++
	}
	per := total / time.Duration(n)
	b.ReportMetric(per.Seconds(), "cycle-s")
	b.ReportMetric(ideal.Seconds(), "ideal-s")
	b.ReportMetric(float64(per)/float64(ideal), "x-ideal")
}
