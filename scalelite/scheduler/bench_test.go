package scheduler_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

const (
	benchServers  = 1000
	benchMeetings = 100000
)

// benchScheduler returns a scheduler with benchServers online servers
// holding benchMeetings meetings "m0".."m99999".
func benchScheduler(b *testing.B) *scheduler.Scheduler {
	b.Helper()
	ctx := context.Background()
	none := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) { return nil, nil })
	s, err := scheduler.New(scheduler.WithMeetingLister(none), scheduler.WithPollConcurrency(8))
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchServers {
		id := fmt.Sprintf("s%04d", i)
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
	for i := range benchMeetings {
		if _, err := s.Pick(ctx, "m"+strconv.Itoa(i), ""); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// baselineMeetings returns the baselines' map with benchMeetings entries
// "m0".."m99999".
func baselineMeetings() map[string]*int {
	m := make(map[string]*int, benchMeetings)
	for i := range benchMeetings {
		m["m"+strconv.Itoa(i)] = new(int)
	}
	return m
}

// BenchmarkMemoryPick measures Pick on the in-memory store with 1,000
// servers and 100,000 live meetings, under b.RunParallel. Its sub-benchmarks:
//
//   - baseline-new / pick-new: place a new meeting and release the oldest
//     one, so the live count stays at 100,000; the baseline does the same
//     map insert and delete under one mutex, the least any atomic
//     placement must do.
//   - baseline-existing / pick-existing: Pick of a live meeting; the
//     baseline is a mutex-guarded map lookup.
func BenchmarkMemoryPick(b *testing.B) {
	ctx := context.Background()
	b.Run("baseline-new", func(b *testing.B) {
		var mu sync.Mutex
		m := baselineMeetings()
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(n.Add(1) - 1)
				add, del := "m"+strconv.Itoa(i+benchMeetings), "m"+strconv.Itoa(i)
				v := new(int)
				mu.Lock()
				m[add] = v
				delete(m, del)
				mu.Unlock()
			}
		})
	})
	b.Run("pick-new", func(b *testing.B) {
		s := benchScheduler(b)
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(n.Add(1) - 1)
				if _, err := s.Pick(ctx, "m"+strconv.Itoa(i+benchMeetings), ""); err != nil {
					b.Error(err)
					return
				}
				_ = s.Release(ctx, "m"+strconv.Itoa(i))
			}
		})
	})
	b.Run("baseline-existing", func(b *testing.B) {
		var mu sync.Mutex
		m := baselineMeetings()
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := "m" + strconv.Itoa(int(n.Add(1))%benchMeetings)
				mu.Lock()
				v := m[id]
				mu.Unlock()
				if v == nil {
					b.Error("missing")
					return
				}
			}
		})
	})
	b.Run("pick-existing", func(b *testing.B) {
		s := benchScheduler(b)
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := s.Pick(ctx, "m"+strconv.Itoa(int(n.Add(1))%benchMeetings), "")
				if err != nil || !p.Existing {
					b.Error(p, err)
					return
				}
			}
		})
	})
}
