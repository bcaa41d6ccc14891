// Command quickstart is a short tour of the bbbkit SDK.
//
//	go run ./examples/quickstart
//
// Without environment it starts an embedded fake BigBlueButton server
// (package bbbtest) and walks through the main calls: it creates a meeting
// with metadata and recording on, prints a moderator and an attendee join
// URL, makes a user join, shows the meeting's info, ends it and lists its
// recording.
//
// With BBB_URL (for example https://bbb.example.com/bigbluebutton/) and
// BBB_SECRET set it runs the same tour against that server. Steps only a
// fake can do (making a user join without a browser) are skipped, and it
// says so; a real server also needs a few minutes to process a recording,
// so the last step may find none yet.
//
// Exit codes: 0 when the tour completed, 1 when a call failed, 2 when only
// one of BBB_URL and BBB_SECRET is set.
package main
