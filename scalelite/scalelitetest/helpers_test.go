package scalelitetest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCluster is a fake Scalelite in front of fake BigBlueButton workers.
type testCluster struct {
	sl      *Server
	workers []*bbbtest.Server
	ids     []string // server IDs, in the order of workers
	admin   *scalelite.Client
	front   *bbb.Client
	hc      *http.Client
}

// newHTTPClient returns a client with its own transport, closed at the end of
// the test so that no connection goroutine outlives it.
func newHTTPClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// newCluster starts n workers and a fake Scalelite, adds the workers through
// the admin API and enables them.
func newCluster(t *testing.T, n int, opts ...Option) *testCluster {
	t.Helper()
	return newClusterWith(t, n, nil, opts...)
}

// newClusterWith is newCluster with more scheduler options.
func newClusterWith(t *testing.T, n int, schedOpts []scheduler.Option, opts ...Option) *testCluster {
	t.Helper()
	hc := newHTTPClient(t)
	sched, err := scheduler.New(append([]scheduler.Option{
		scheduler.WithMeetingLister(scheduler.NewBBBLister(bbb.WithHTTPClient(hc))),
		scheduler.WithPollTimeout(20 * time.Second),
		scheduler.WithPendingGrace(time.Hour),
	}, schedOpts...)...)
	if err != nil {
		t.Fatalf("scheduler.New(...): %v", err)
	}
	all := append([]Option{WithHTTPClient(hc), WithScheduler(sched), WithForwardTimeout(30 * time.Second)}, opts...)
	sl := NewServer(all...)
	t.Cleanup(sl.Close)
	c := &testCluster{sl: sl, hc: hc}
	c.admin = sl.AdminClient(bbb.WithHTTPClient(hc))
	c.front = sl.BBBClient(bbb.WithHTTPClient(hc))
	for range n {
		c.addWorker(t, "")
	}
	return c
}

// addWorker starts a worker, adds it with the tag and enables it.
func (c *testCluster) addWorker(t *testing.T, tag string) *bbbtest.Server {
	t.Helper()
	ctx := context.Background()
	w := bbbtest.NewServer()
	t.Cleanup(w.Close)
	srv, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret, Tag: tag})
	if err != nil {
		t.Fatalf("AddServer(%s, tag %q): %v", w.APIURL(), tag, err)
	}
	if srv.State != scalelite.StateDisabled {
		t.Fatalf("AddServer(%s).State = %v; want %v", w.APIURL(), srv.State, scalelite.StateDisabled)
	}
	id := srv.ID
	srv, err = c.admin.EnableServer(ctx, id)
	if err != nil {
		t.Fatalf("EnableServer(%q): %v", id, err)
	}
	if !srv.Online {
		t.Fatalf("EnableServer(%q).Online = false; want true (enabling polls the server at once)", id)
	}
	c.workers = append(c.workers, w)
	c.ids = append(c.ids, srv.ID)
	return w
}

// create creates a meeting through the fake.
func (c *testCluster) create(ctx context.Context, id string, meta map[string]string) (*bbb.CreateMeetingResponse, error) {
	return c.front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "meeting " + id, MeetingID: id, Meta: meta})
}

// placement counts the meetings each worker really holds.
func (c *testCluster) placement() []int {
	out := make([]int, len(c.workers))
	for i, w := range c.workers {
		out[i] = len(w.Meetings())
	}
	return out
}

// holder returns the index of the worker that holds a meeting, or -1.
func (c *testCluster) holder(meetingID string) int {
	for i, w := range c.workers {
		if _, ok := w.Meeting(meetingID); ok {
			return i
		}
	}
	return -1
}

func meetingIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}
