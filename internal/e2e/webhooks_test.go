package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/webhooks"
)

const receiverPort = "8095/tcp"

// receiver starts examples/webhook-receiver; it prints one JSON line per
// accepted event.
func (c *cluster) receiver(alias string) *node {
	c.t.Helper()
	return c.run(alias, "webhook-receiver", receiverPort, "/healthz",
		"-listen", ":8095", "-secret", workerSecret, "-callback-url", "http://"+alias+":8095/callback")
}

// receivedEvent is one line the receiver printed.
type receivedEvent struct {
	Type    string `json:"type"`
	Meeting string `json:"meeting"`
}

// received parses the event lines of the receiver's output, across restarts.
func received(t *testing.T, n *node) []receivedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := n.ctr.Logs(ctx)
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	var out []receivedEvent
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, `{"type"`)
		if i < 0 {
			continue
		}
		var e receivedEvent
		if err := json.Unmarshal([]byte(line[i:]), &e); err == nil {
			out = append(out, e)
		}
	}
	return out
}

// countEvents counts events by "type meeting".
func countEvents(evs []receivedEvent) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Type+" "+e.Meeting]++
	}
	return m
}

// runMeeting creates a meeting on a worker, has two users join and leave,
// and ends it: four kinds of event, five events.
func runMeeting(t *testing.T, w *node, id string) {
	t.Helper()
	cl := bbbClient(t, w, workerSecret)
	if _, err := cl.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room " + id, MeetingID: id}); err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, name := range []string{"Ada", "Bob"} {
		res := control(t, w, "join", url.Values{"meetingID": {id}, "fullName": {name}, "role": {"VIEWER"}})
		users = append(users, fmt.Sprint(res["userID"]))
	}
	control(t, w, "leave", url.Values{"meetingID": {id}, "userID": {users[0]}})
	if err := cl.EndMeeting(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

func wantEvents(meeting string) map[string]int {
	return map[string]int{
		"meeting-created " + meeting: 1,
		"user-joined " + meeting:     2,
		"user-left " + meeting:       2, // Ada leaves; Bob is removed when the meeting ends
		"meeting-ended " + meeting:   1,
	}
}

// TestWebhooksReachReceiverExactlyOnce registers a hook on two workers,
// checks every meeting and user event arrives once, then stops the receiver,
// makes more events, restarts it and checks the retries deliver them all,
// still once each.
func TestWebhooksReachReceiverExactlyOnce(t *testing.T) {
	c := newCluster(t)
	workers := []*node{c.worker("bbb1"), c.worker("bbb2")}
	rcv := c.receiver("hooks")
	for _, w := range workers {
		hc, err := webhooks.NewClient(bbbClient(t, w, workerSecret))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.Create(context.Background(), webhooks.CreateParams{CallbackURL: "http://hooks:8095/callback"}); err != nil {
			t.Fatalf("%s hooks/create: %v", w.name, err)
		}
	}
	want := map[string]int{}
	for i, w := range workers {
		id := fmt.Sprintf("hooked-%d", i)
		runMeeting(t, w, id)
		for k, v := range wantEvents(id) {
			want[k] = v
		}
	}
	checkEvents := func(stage string) {
		t.Helper()
		eventually(t, 90*time.Second, stage, func() error {
			got := countEvents(received(t, rcv))
			for k, v := range want {
				if got[k] != v {
					return fmt.Errorf("%s: got %d, want %d (all: %v)", k, got[k], v, got)
				}
			}
			return nil
		})
		time.Sleep(500 * time.Millisecond) // nothing more trickles in
		got := countEvents(received(t, rcv))
		for k, v := range got {
			if want[k] != v && strings.Contains(k, "hooked-") {
				t.Errorf("%s: %s delivered %d times, want %d", stage, k, v, want[k])
			}
		}
	}
	checkEvents("live delivery")

	rcv.stop(t)
	for i, w := range workers {
		id := fmt.Sprintf("hooked-while-down-%d", i)
		runMeeting(t, w, id)
		for k, v := range wantEvents(id) {
			want[k] = v
		}
	}
	time.Sleep(1500 * time.Millisecond) // at least one failed attempt
	rcv.start(t)
	checkEvents("delivery after the receiver came back")
}
