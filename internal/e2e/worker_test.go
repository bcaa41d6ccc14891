package e2e

import (
	"context"
	"net/url"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// TestWorkerLifecycle drives one containerized fake BBB through a meeting
// with every checksum algorithm.
func TestWorkerLifecycle(t *testing.T) {
	c := newCluster(t)
	w := c.worker("bbb1")
	ctx := context.Background()
	for _, alg := range checksum.All {
		cl, err := bbb.New(w.hostURL(t)+"/bigbluebutton/api", workerSecret, bbb.WithChecksum(alg))
		if err != nil {
			t.Fatal(err)
		}
		id := "room-" + alg.String()
		m, err := cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Room " + alg.String(), MeetingID: id, Record: bbb.Bool(true)})
		if err != nil {
			t.Fatalf("%v: create: %v", alg, err)
		}
		control(t, w, "join", url.Values{"meetingID": {id}, "fullName": {"Ada"}, "role": {"MODERATOR"}})
		info, err := cl.GetMeetingInfo(ctx, id)
		if err != nil {
			t.Fatalf("%v: getMeetingInfo: %v", alg, err)
		}
		if info.InternalMeetingID != m.InternalMeetingID || !info.Running || len(info.Attendees) != 1 || info.Attendees[0].FullName != "Ada" {
			t.Fatalf("%v: meeting info %+v", alg, info)
		}
		if _, err := cl.JoinURL(&bbb.JoinParams{FullName: "Bob", MeetingID: id, Role: bbb.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndMeeting(ctx, id); err != nil {
			t.Fatalf("%v: end: %v", alg, err)
		}
	}
	bad, _ := bbb.New(w.hostURL(t)+"/bigbluebutton/", "wrong-secret")
	if _, err := bad.GetMeetings(ctx); !isChecksumErr(err) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func isChecksumErr(err error) bool {
	var ae *bbb.Error
	return asErr(err, &ae) && ae.Key == "checksumError"
}
