package bbbtest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// With WithRecordingsDir the fake writes each published recording to disk,
// in the published tree layout that recording mirrors and Scalelite read.
func ExampleWithRecordingsDir() {
	dir, err := os.MkdirTemp("", "published-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	srv := bbbtest.NewServer(bbbtest.WithRecordingsDir(dir), bbbtest.WithRecordingSize(256<<10))
	defer srv.Close()
	client := srv.BBBClient()
	ctx := context.Background()
	_, _ = client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Demo", MeetingID: "demo", Record: bbb.Bool(true)})
	_, _ = srv.Join("demo", bbbtest.User{FullName: "Alice", Role: "MODERATOR"})
	_ = client.EndMeeting(ctx, "demo")

	id := srv.Recordings()[0].RecordID
	for _, name := range []string{"metadata.xml", "shapes.svg", "video/webcams.webm"} {
		_, err := os.Stat(filepath.Join(dir, "presentation", id, name))
		fmt.Println(name, err == nil)
	}
	// Output:
	// metadata.xml true
	// shapes.svg true
	// video/webcams.webm true
}
