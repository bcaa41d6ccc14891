package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/internal/echotest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// TestPollFailureTextHasNoChecksum: when a polled server echoes the signed
// getMeetings query in its FAILED message, and when a custom lister quotes
// a URL with a checksum, the poll-failure error the balancer logs holds no
// checksum.
func TestPollFailureTextHasNoChecksum(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>?%s</message></response>",
			html.EscapeString(e.Raw))
	})
	defer srv.Close()
	const quoted = "0123456789abcdef0123456789abcdef01234567"
	listers := map[string]scheduler.MeetingLister{
		"bbb lister": scheduler.NewBBBLister(),
		"custom": scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
			return nil, errors.New(`GET "` + srv.URL + `/api/getMeetings?checksum=` + quoted + `": EOF`)
		}),
	}
	for name, lister := range listers {
		var mu sync.Mutex
		var text string
		s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithObserver(func(e scheduler.Event) {
			if e.Kind == scheduler.EventPollFailed {
				mu.Lock()
				text += e.Err.Error() + "\n"
				mu.Unlock()
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "b1", URL: srv.URL + "/bigbluebutton/api/", Secret: "server-secret-77"}); err != nil {
			t.Fatal(err)
		}
		_ = s.Poll(ctx)
		mu.Lock()
		if text == "" {
			t.Fatalf("%s: no poll failure", name)
		}
		if leaks := srv.Leaks(text, quoted, "server-secret-77"); leaks != nil {
			t.Errorf("%s: %q in %s", name, leaks, text)
		}
		mu.Unlock()
	}
}
