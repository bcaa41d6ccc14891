package attendance_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/attendance"
	"github.com/google/go-cmp/cmp"
)

// scripted runs a meeting on the fake with its clock: Alice (moderator)
// joins at 0:10, Bob at 0:30, Bob leaves at 2:00, Alice chats at 3:00, Bob
// re-joins at 5:00, the meeting ends at 10:00 (the server then sends
// user-left for both). Each event is awaited
// before the next step, so delivery order cannot matter.
func scripted(t *testing.T, opts ...attendance.Option) (*attendance.Report, time.Time) {
	t.Helper()
	clock := bbbtest.NewFakeClock(time.Time{})
	t0 := clock.Now()
	srv := bbbtest.NewServer(bbbtest.WithClock(clock.Now))
	defer srv.Close()
	var mu sync.Mutex
	var reports []*attendance.Report
	tracker, err := attendance.New(func(_ context.Context, r *attendance.Report) error {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
		return nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var events atomic.Int64
	recv := httptest.NewUnstartedServer(nil)
	h, err := webhooks.NewHandler(srv.Secret, "http://"+recv.Listener.Addr().String()+"/", func(ctx context.Context, d *webhooks.Delivery) error {
		err := tracker.Deliver(ctx, d)
		events.Add(int64(len(d.Events)))
		return err
	}, webhooks.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	recv.Config.Handler = h
	recv.Start()
	defer recv.Close()
	hooks, err := webhooks.NewClient(srv.BBBClient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: "http://" + recv.Listener.Addr().String() + "/"}); err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	step := func(at time.Duration, f func() error) {
		t.Helper()
		clock.Set(t0.Add(at))
		if err := f(); err != nil {
			t.Fatal(err)
		}
		want++
		testwait.Eventually(t, func() bool { return events.Load() >= want }, 5*time.Second, 2*time.Millisecond, fmt.Sprintf("event %d delivered", want))
	}
	step(0, func() error {
		_, err := srv.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Physics 101", MeetingID: "physics-101"})
		return err
	})
	step(10*time.Second, func() error {
		_, err := srv.Join("physics-101", bbbtest.User{FullName: "Alice", UserID: "alice", Role: "MODERATOR"})
		return err
	})
	step(30*time.Second, func() error {
		_, err := srv.Join("physics-101", bbbtest.User{FullName: "Bob", UserID: "bob"})
		return err
	})
	step(2*time.Minute, func() error { return srv.Leave("physics-101", "bob") })
	step(3*time.Minute, func() error { return srv.PostChat("physics-101", "alice", "hello") })
	step(5*time.Minute, func() error {
		_, err := srv.Join("physics-101", bbbtest.User{FullName: "Bob", UserID: "bob"})
		return err
	})
	clock.Set(t0.Add(10 * time.Minute))
	if err := srv.EndMeeting("physics-101"); err != nil {
		t.Fatal(err)
	}
	testwait.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(reports) > 0
	}, 5*time.Second, 2*time.Millisecond, "a report")
	if len(reports) != 1 {
		t.Fatalf("%d reports", len(reports))
	}
	return reports[0], t0
}

func TestReportOfScriptedMeeting(t *testing.T) {
	got, t0 := scripted(t)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	want := &attendance.Report{
		MeetingID: "physics-101", InternalMeetingID: got.InternalMeetingID, Name: "Physics 101",
		Start: at(0), End: at(10 * time.Minute),
		Users: []attendance.User{
			{UserID: "alice", Name: "Alice", Role: "MODERATOR", ChatMessages: 1,
				Sessions: []attendance.Session{{Join: at(10 * time.Second), Leave: at(10 * time.Minute)}},
				Present:  attendance.Seconds(9*time.Minute + 50*time.Second)},
			{UserID: "bob", Name: "Bob", Role: "VIEWER",
				Sessions: []attendance.Session{
					{Join: at(30 * time.Second), Leave: at(2 * time.Minute)},
					{Join: at(5 * time.Minute), Leave: at(10 * time.Minute)}},
				Present: attendance.Seconds(6*time.Minute + 30*time.Second)},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("got mismatch (-want +got):\n%s", diff)
	}
	var csv bytes.Buffer
	if err := got.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	wantCSV := strings.Join(attendance.CSVHeader, ",") + "\n" +
		"physics-101,alice,Alice,MODERATOR,1,2026-01-01T00:00:10Z,2026-01-01T00:10:00Z,590,0,0,0,1,0,0,0\n" +
		"physics-101,bob,Bob,VIEWER,2,2026-01-01T00:00:30Z,2026-01-01T00:10:00Z,390,0,0,0,0,0,0,0\n"
	if got := csv.String(); got != wantCSV {
		t.Fatalf("csv.String() = %v; want %v", got, wantCSV)
	}
	var js bytes.Buffer
	if err := got.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if got := js.String(); !strings.Contains(got, `"presentSeconds": 390`) {
		t.Fatalf("JSON: %s", got)
	}
}

func TestPseudonyms(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	got, _ := scripted(t, attendance.WithPseudonyms(key))
	if !got.Pseudonymized || len(got.Users) != 2 {
		t.Fatalf("%+v", got)
	}
	var js bytes.Buffer
	if err := got.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{"alice", "Alice", "bob", "Bob"} {
		if got := js.String(); strings.Contains(got, personal) {
			t.Fatalf("report keeps %q: %s", personal, got)
		}
	}
	if got.Users[0].UserID == got.Users[1].UserID || len(got.Users[0].UserID) != 32 {
		t.Fatalf("user IDs %q %q", got.Users[0].UserID, got.Users[1].UserID)
	}
	again, _ := scripted(t, attendance.WithPseudonyms(key))
	if again.Users[0].UserID != got.Users[0].UserID {
		t.Fatal("pseudonym not stable for one key")
	}
	if _, err := attendance.New(func(context.Context, *attendance.Report) error { return nil }, attendance.WithPseudonyms([]byte("short"))); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestCSVKeepsFormulasAsText(t *testing.T) {
	r := &attendance.Report{MeetingID: "m", Users: []attendance.User{{UserID: "u", Name: "=HYPERLINK(1)"}}}
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ",'=HYPERLINK(1),") {
		t.Fatal(b.String())
	}
}
