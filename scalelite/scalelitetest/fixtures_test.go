package scalelitetest

import (
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

func bbbtestUser(name string) bbbtest.User {
	return bbbtest.User{FullName: name, Role: "MODERATOR"}
}

func recordingSpec(meetingID string) bbbtest.RecordingSpec {
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	return bbbtest.RecordingSpec{MeetingID: meetingID, Start: start, End: start.Add(time.Hour), Participants: 3}
}
