package attendance_test

import (
	"context"
	"os"

	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/attendance"
)

// A Tracker writes a CSV report when the meeting ends.
func Example() {
	tracker, err := attendance.New(func(_ context.Context, r *attendance.Report) error {
		return r.WriteCSV(os.Stdout)
	})
	if err != nil {
		panic(err)
	}
	events, err := webhooks.ParseEvents([]byte(`[
	{"data":{"id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"i1","external-meeting-id":"m1"},"user":{"internal-user-id":"w_1","external-user-id":"ann","name":"Ann","role":"VIEWER"}},"event":{"ts":1767225600000}}},
	{"data":{"id":"user-left","attributes":{"meeting":{"internal-meeting-id":"i1","external-meeting-id":"m1"},"user":{"internal-user-id":"w_1","external-user-id":"ann"}},"event":{"ts":1767225690000}}},
	{"data":{"id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"i1","external-meeting-id":"m1"}},"event":{"ts":1767225700000}}}]`))
	if err != nil {
		panic(err)
	}
	if err := tracker.Deliver(context.Background(), &webhooks.Delivery{Events: events}); err != nil {
		panic(err)
	}
	// Output:
	// meeting_id,user_id,name,role,sessions,first_join,last_leave,present_seconds,audio_joins,unmutes,camera_shares,chat_messages,raised_hands,poll_responses,presenter_turns
	// m1,ann,Ann,VIEWER,1,2026-01-01T00:00:00Z,2026-01-01T00:01:30Z,90,0,0,0,0,0,0,0
}
