package bbbtest

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse hammers the server from many goroutines through the
// API and the test controls at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	clock := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(clock.Now), WithPublishDelay(time.Second), WithEmptyMeetingTimeout(time.Second))
	hookCreate(t, s, "callbackURL", rcv.URL)
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "room-" + strconv.Itoa(g%4)
			for i := range 15 {
				get(t, s, "create", q("name", "Busy", "meetingID", id, "record", "true"))
				ju, err := s.Join(id, User{FullName: "U" + strconv.Itoa(g)})
				get(t, s, "getMeetingInfo", q("meetingID", id))
				get(t, s, "getMeetings", "")
				get(t, s, "getRecordings", q("state", "any"))
				if err == nil && i%3 == 0 {
					_ = s.Leave(id, ju.UserID)
				}
				switch i % 5 {
				case 0:
					get(t, s, "end", q("meetingID", id))
				case 1:
					clock.Advance(700 * time.Millisecond)
				case 2:
					s.FailNext("getMeetings", 1, "busy", "x")
				case 3:
					_ = s.Meetings()
					_ = s.Recordings()
				}
			}
		}()
	}
	wg.Wait()
	clock.Advance(time.Minute)
	for _, r := range s.Recordings() {
		if r.State != StatePublished {
			t.Errorf("recording %s still %s", r.RecordID, r.State)
		}
	}
	if len(s.Recordings()) == 0 {
		t.Error("no recordings were made")
	}
}
