package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// TestPollFailureTextHasNoChecksum: when a polled server echoes the signed
// getMeetings query in its FAILED message, and when a custom lister quotes
// a URL with a checksum, the poll-failure error the balancer logs holds no
// checksum.
func TestPollFailureTextHasNoChecksum(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum, _, _ := checksum.Split(r.URL.RawQuery)
		mu.Lock()
		sums = append(sums, sum)
		mu.Unlock()
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>?%s</message></response>",
			html.EscapeString(r.URL.RawQuery))
	}))
	defer srv.Close()
	const quoted = "0123456789abcdef0123456789abcdef01234567"
	listers := map[string]scheduler.MeetingLister{
		"bbb lister": scheduler.NewBBBLister(),
		"custom": scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
			return nil, errors.New(`GET "` + srv.URL + `/api/getMeetings?checksum=` + quoted + `": EOF`)
		}),
	}
	for name, lister := range listers {
		var events []scheduler.Event
		var emu sync.Mutex
		s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithObserver(func(e scheduler.Event) {
			emu.Lock()
			events = append(events, e)
			emu.Unlock()
		}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "b1", URL: srv.URL + "/bigbluebutton/api/", Secret: "server-secret-77"}); err != nil {
			t.Fatal(err)
		}
		_ = s.Poll(ctx)
		emu.Lock()
		var text string
		for _, e := range events {
			if e.Kind == scheduler.EventPollFailed {
				text += e.Err.Error() + "\n"
			}
		}
		emu.Unlock()
		if text == "" {
			t.Fatalf("%s: no poll failure", name)
		}
		mu.Lock()
		forbidden := append([]string{quoted, "server-secret-77"}, sums...)
		mu.Unlock()
		for _, f := range forbidden {
			if f != "" && strings.Contains(text, f) {
				t.Errorf("%s: %q in %s", name, f, text)
			}
		}
	}
}
