package scalelitetest

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestBurstSpreadsEvenlyOnWorkers sends 200 concurrent creates through the
// fake and counts the meetings on the five workers themselves.
func TestBurstSpreadsEvenlyOnWorkers(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 5)
	ctx := context.Background()
	ids := meetingIDs("burst", 200)
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.create(ctx, id, nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	counts := c.placement()
	total := 0
	for i, n := range counts {
		total += n
		if math.Abs(float64(n)-40) > 1 {
			t.Errorf("worker %d holds %d meetings; want 40±1 (placement %v)", i, n, counts)
		}
	}
	if total != 200 {
		t.Errorf("workers hold %d meetings in all; want 200", total)
	}
	// Every meeting is on the worker the scheduler says.
	for _, id := range ids {
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", id, err)
		}
		i := c.holder(id)
		if i < 0 {
			t.Fatalf("holder(%q) = %d; want a worker", id, i)
		}
		if srv.ID != c.ids[i] {
			t.Errorf("Lookup(%q).ID = %q; want %q (the worker that holds it)", id, srv.ID, c.ids[i])
		}
	}
	// A repeated create goes to the same worker and creates nothing new.
	if _, err := c.create(ctx, ids[0], nil); err != nil {
		t.Fatalf("create(%q) again: %v", ids[0], err)
	}
	if diff := cmp.Diff(counts, c.placement()); diff != "" {
		t.Errorf("placement after a repeated create mismatch (-want +got):\n%s", diff)
	}
}

// TestKilledWorkerIsAvoided takes a worker down: getMeetings keeps working
// at once, and after the poller's threshold the worker is offline, its
// meetings are forgotten and re-created elsewhere, and new meetings avoid it.
func TestKilledWorkerIsAvoided(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	ids := meetingIDs("kill", 30)
	for _, id := range ids {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
	}
	if diff := cmp.Diff([]int{10, 10, 10}, c.placement()); diff != "" {
		t.Fatalf("placement mismatch (-want +got):\n%s", diff)
	}
	dead := c.workers[1]
	var onDead []string
	for _, id := range ids {
		if c.holder(id) == 1 {
			onDead = append(onDead, id)
		}
	}
	dead.SetDown(true)

	// getMeetings leaves the dead worker out instead of failing.
	ms, err := c.front.GetMeetings(ctx)
	if err != nil {
		t.Fatalf("GetMeetings(): %v", err)
	}
	if len(ms) != 20 {
		t.Errorf("GetMeetings() returned %d meetings; want 20", len(ms))
	}

	// Two failed polls (the default threshold) take it offline.
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("Poll(): %v", err)
	}
	srv, err := c.admin.GetServerInfo(ctx, c.ids[1])
	if err != nil {
		t.Fatalf("GetServerInfo(%q): %v", c.ids[1], err)
	}
	if !srv.Online {
		t.Errorf("after one failed poll: Online = false; want true (one failed poll is not enough)")
	}
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("Poll(): %v", err)
	}
	srv, err = c.admin.GetServerInfo(ctx, c.ids[1])
	if err != nil {
		t.Fatalf("GetServerInfo(%q): %v", c.ids[1], err)
	}
	if srv.Online {
		t.Errorf("after two failed polls: Online = true; want false")
	}
	if srv.Load.Known {
		t.Errorf("after two failed polls: Load.Known = true; want false")
	}

	left, err := c.sl.Scheduler().MeetingIDs(ctx, c.ids[1])
	if err != nil {
		t.Fatalf("MeetingIDs(%q): %v", c.ids[1], err)
	}
	if len(left) != 0 {
		t.Errorf("MeetingIDs(dead worker) = %v; want none (nothing points at the dead worker)", left)
	}
	for _, id := range onDead {
		running, err := c.front.IsMeetingRunning(ctx, id)
		if err != nil {
			t.Fatalf("IsMeetingRunning(%q): %v", id, err)
		}
		if running {
			t.Errorf("IsMeetingRunning(%q) = true; want false", id)
		}
		_, err = c.front.GetMeetingInfo(ctx, id)
		if !errors.Is(err, bbb.ErrNotFound) {
			t.Errorf("GetMeetingInfo(%q) error = %v; want %v", id, err, bbb.ErrNotFound)
		}
	}
	// The frontend re-creates them: they land on live workers.
	for _, id := range onDead {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q) again: %v", id, err)
		}
		_, on0 := c.workers[0].Meeting(id)
		_, on2 := c.workers[2].Meeting(id)
		if on0 == on2 {
			t.Errorf("%q on worker 0: %v, on worker 2: %v; want it re-created on exactly one live worker", id, on0, on2)
		}
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", id, err)
		}
		if srv.ID == c.ids[1] {
			t.Errorf("Lookup(%q).ID = %q, the dead worker; want another", id, srv.ID)
		}
	}
	for _, id := range meetingIDs("after", 20) {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
		if i := c.holder(id); !slices.Contains([]int{0, 2}, i) {
			t.Errorf("holder(%q) = %d; want 0 or 2", id, i)
		}
	}
	if n := len(dead.Meetings()); n != 10 {
		t.Errorf("dead worker holds %d meetings; want 10 (the dead worker got nothing new)", n)
	}
}

func TestJoinRedirectsToTheWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	if _, err := c.create(ctx, "room-1", nil); err != nil {
		t.Fatalf("create(%q): %v", "room-1", err)
	}
	w := c.workers[c.holder("room-1")]

	joinURL, err := c.front.JoinURL(&bbb.JoinParams{FullName: "Ada", MeetingID: "room-1", Role: bbb.RoleModerator})
	if err != nil {
		t.Fatalf("JoinURL(): %v", err)
	}
	resp, err := c.hc.Get(joinURL)
	if err != nil {
		t.Fatalf("GET %s: %v", joinURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET join: status %d; want %d", resp.StatusCode, http.StatusFound)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("url.Parse(Location %q): %v", resp.Header.Get("Location"), err)
	}
	if prefix := w.APIURL() + "join?"; !strings.HasPrefix(loc.String(), prefix) {
		t.Errorf("Location = %q; want prefix %q", loc.String(), prefix)
	}
	if err := checksum.Verify("join", loc.RawQuery, w.Secret); err != nil {
		t.Fatalf("checksum.Verify(join, Location query, worker secret): %v; want it signed with the worker's own secret", err)
	}
	if got := loc.Query().Get("fullName"); got != "Ada" {
		t.Errorf("Location fullName = %q; want %q", got, "Ada")
	}

	// The worker accepts it: the user joins.
	resp, err = c.hc.Get(loc.String())
	if err != nil {
		t.Fatalf("GET %s: %v", loc, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	m, ok := w.Meeting("room-1")
	if !ok {
		t.Fatalf("worker.Meeting(%q): not found", "room-1")
	}
	if len(m.Attendees) != 1 {
		t.Fatalf("meeting has %d attendees; want 1", len(m.Attendees))
	}
	if got := m.Attendees[0].FullName; got != "Ada" {
		t.Errorf("attendee FullName = %q; want %q", got, "Ada")
	}

	// A join for an unknown meeting is notFound, in XML.
	_, err = c.front.Join(ctx, &bbb.JoinParams{FullName: "Bob", MeetingID: "nope", Role: bbb.RoleViewer, Redirect: bbb.Bool(false)})
	if !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("Join(unknown meeting) error = %v; want %v", err, bbb.ErrNotFound)
	}
}

func TestEndAndMeetingCalls(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	created, err := c.create(ctx, "room-e", map[string]string{"origin": "test"})
	if err != nil {
		t.Fatalf("create(%q): %v", "room-e", err)
	}
	if created.MeetingID != "room-e" {
		t.Errorf("create().MeetingID = %q; want %q", created.MeetingID, "room-e")
	}

	running, err := c.front.IsMeetingRunning(ctx, "room-e")
	if err != nil {
		t.Fatalf("IsMeetingRunning(%q): %v", "room-e", err)
	}
	if running {
		t.Errorf("IsMeetingRunning(%q) = true; want false (nobody joined yet)", "room-e")
	}
	info, err := c.front.GetMeetingInfo(ctx, "room-e")
	if err != nil {
		t.Fatalf("GetMeetingInfo(%q): %v", "room-e", err)
	}
	if got := info.Metadata["origin"]; got != "test" {
		t.Errorf("GetMeetingInfo(%q).Metadata[origin] = %q; want %q", "room-e", got, "test")
	}

	// Unknown meetings are answered without asking a worker.
	before := c.workers[0].Calls("isMeetingRunning") + c.workers[1].Calls("isMeetingRunning")
	running, err = c.front.IsMeetingRunning(ctx, "unknown")
	if err != nil {
		t.Fatalf("IsMeetingRunning(%q): %v", "unknown", err)
	}
	if running {
		t.Errorf("IsMeetingRunning(%q) = true; want false", "unknown")
	}
	if after := c.workers[0].Calls("isMeetingRunning") + c.workers[1].Calls("isMeetingRunning"); after != before {
		t.Errorf("workers got %d isMeetingRunning calls; want %d (none for an unknown meeting)", after, before)
	}
	_, err = c.front.GetMeetingInfo(ctx, "unknown")
	if !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("GetMeetingInfo(%q) error = %v; want %v", "unknown", err, bbb.ErrNotFound)
	}
	if err := c.front.EndMeeting(ctx, "unknown"); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("EndMeeting(%q) = %v; want %v", "unknown", err, bbb.ErrNotFound)
	}

	if err := c.front.EndMeeting(ctx, "room-e"); err != nil {
		t.Fatalf("EndMeeting(%q): %v", "room-e", err)
	}
	if got := c.holder("room-e"); got != -1 {
		t.Errorf("holder(%q) = %d; want -1", "room-e", got)
	}
	_, err = c.sl.Scheduler().Lookup(ctx, "room-e")
	if !errors.Is(err, scheduler.ErrMeetingNotFound) {
		t.Errorf("Lookup(%q) error = %v; want %v", "room-e", err, scheduler.ErrMeetingNotFound)
	}
}

func TestFrontRefusals(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	wrong, err := bbb.New(c.sl.APIURL(), "wrong-secret", bbb.WithHTTPClient(c.hc))
	if err != nil {
		t.Fatalf("bbb.New(..., \"wrong-secret\"): %v", err)
	}
	_, err = wrong.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room x", MeetingID: "x"})
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Errorf("CreateMeeting() with the wrong secret: error = %v; want %v", err, bbb.ErrChecksum)
	}
	if ms := c.workers[0].Meetings(); len(ms) != 0 {
		t.Errorf("worker holds %d meetings; want none", len(ms))
	}

	var e *bbb.Error
	err = c.front.Do(ctx, "create", url.Values{"name": {"x"}}, &struct{ bbb.Envelope }{})
	if !errors.As(err, &e) {
		t.Fatalf("Do(create without meetingID) error = %v (%T); want a *bbb.Error", err, err)
	}
	if e.Key != "missingParamMeetingID" {
		t.Errorf("Do(create without meetingID): key %q; want %q", e.Key, "missingParamMeetingID")
	}

	err = c.front.Do(ctx, "getDefaultConfigXML", nil, &struct{ bbb.Envelope }{})
	if !errors.As(err, &e) {
		t.Fatalf("Do(getDefaultConfigXML) error = %v (%T); want a *bbb.Error", err, err)
	}
	if e.Key != "unsupportedRequest" {
		t.Errorf("Do(getDefaultConfigXML): key %q; want %q", e.Key, "unsupportedRequest")
	}

	// SHA-384 is not in Scalelite's default set.
	c384 := c.sl.BBBClient(bbb.WithHTTPClient(c.hc), bbb.WithChecksum(checksum.SHA384))
	_, err = c384.GetMeetings(ctx)
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Errorf("GetMeetings() with SHA-384: error = %v; want %v", err, bbb.ErrChecksum)
	}

	// The API root answers without a checksum.
	v, err := c.front.Version(ctx)
	if err != nil {
		t.Fatalf("Version(): %v", err)
	}
	if v.Version != "2.0" {
		t.Errorf("Version().Version = %q; want %q", v.Version, "2.0")
	}
}

func TestNoServerAvailable(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	if _, err := c.admin.DisableServer(ctx, c.ids[0]); err != nil {
		t.Fatalf("DisableServer(%q): %v", c.ids[0], err)
	}
	_, err := c.create(ctx, "nowhere", nil)
	var e *bbb.Error
	if !errors.As(err, &e) {
		t.Fatalf("create(%q) error = %v (%T); want a *bbb.Error", "nowhere", err, err)
	}
	if e.Key != "internalError" {
		t.Errorf("create(%q): key %q; want %q", "nowhere", e.Key, "internalError")
	}
	if want := "Could not find any available servers."; e.Message != want {
		t.Errorf("create(%q): message %q; want %q", "nowhere", e.Message, want)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	gpu := c.addWorker(t, "gpu")
	ctx := context.Background()

	if _, err := c.create(ctx, "g1", map[string]string{"server-tag": "gpu"}); err != nil {
		t.Fatalf("create(%q, server-tag gpu): %v", "g1", err)
	}
	m, ok := gpu.Meeting("g1")
	if !ok {
		t.Fatalf("gpu worker does not hold %q; want a gpu meeting to land on the gpu worker", "g1")
	}
	if got := m.Metadata["server-tag"]; got != "gpu" {
		t.Errorf("meeting metadata server-tag = %q; want %q", got, "gpu")
	}

	for _, id := range meetingIDs("plain", 6) {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
		if c.holder(id) == 2 {
			t.Errorf("holder(%q) = 2, the tagged worker; want an untagged one", id)
		}
	}
	// An unknown optional tag falls back to untagged workers.
	if _, err := c.create(ctx, "fallback", map[string]string{"server-tag": "big"}); err != nil {
		t.Fatalf("create(%q, server-tag big): %v", "fallback", err)
	}
	m, ok = c.workers[c.holder("fallback")].Meeting("fallback")
	if !ok {
		t.Fatalf("worker.Meeting(%q): not found", "fallback")
	}
	if v, ok := m.Metadata["server-tag"]; ok {
		t.Errorf("meeting metadata has server-tag %q; want it removed for an untagged server", v)
	}
	if i := c.holder("fallback"); !slices.Contains([]int{0, 1}, i) {
		t.Errorf("holder(%q) = %d; want 0 or 1", "fallback", i)
	}

	// A required tag with no worker is serverTagUnavailable.
	_, err := c.create(ctx, "must", map[string]string{"server-tag": "big!"})
	var e *bbb.Error
	if !errors.As(err, &e) {
		t.Fatalf("create(%q, server-tag big!) error = %v (%T); want a *bbb.Error", "must", err, err)
	}
	if e.Key != "serverTagUnavailable" {
		t.Errorf("create(%q, server-tag big!): key %q; want %q", "must", e.Key, "serverTagUnavailable")
	}
	if got := c.holder("must"); got != -1 {
		t.Errorf("holder(%q) = %d; want -1", "must", got)
	}
}

func TestCordonKeepsMeetingsAndTakesNoNewOnes(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	if _, err := c.create(ctx, "keep", nil); err != nil {
		t.Fatalf("create(%q): %v", "keep", err)
	}
	i := c.holder("keep")
	other := 1 - i
	// Somebody joins so that the meeting is running.
	if _, err := c.workers[i].Join("keep", bbbtestUser("Ada")); err != nil {
		t.Fatalf("worker.Join(%q): %v", "keep", err)
	}
	srv, err := c.admin.CordonServer(ctx, c.ids[i])
	if err != nil {
		t.Fatalf("CordonServer(%q): %v", c.ids[i], err)
	}
	if srv.State != scalelite.StateCordoned {
		t.Errorf("CordonServer(%q).State = %v; want %v", c.ids[i], srv.State, scalelite.StateCordoned)
	}

	for _, id := range meetingIDs("new", 4) {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
		if got := c.holder(id); got != other {
			t.Errorf("holder(%q) = %d; want %d", id, got, other)
		}
	}
	// The running meeting stays where it is.
	if _, err := c.create(ctx, "keep", nil); err != nil {
		t.Fatalf("create(%q) again: %v", "keep", err)
	}
	if got := c.holder("keep"); got != i {
		t.Errorf("holder(%q) = %d; want %d", "keep", got, i)
	}
	running, err := c.front.IsMeetingRunning(ctx, "keep")
	if err != nil {
		t.Fatalf("IsMeetingRunning(%q): %v", "keep", err)
	}
	if !running {
		t.Errorf("IsMeetingRunning(%q) = false; want true", "keep")
	}

	// Once the meeting ended on the worker, a new create goes elsewhere.
	if err := c.workers[i].EndMeeting("keep"); err != nil {
		t.Fatalf("worker.EndMeeting(%q): %v", "keep", err)
	}
	if _, err := c.create(ctx, "keep", nil); err != nil {
		t.Fatalf("create(%q) after its end: %v", "keep", err)
	}
	if got := c.holder("keep"); got != other {
		t.Errorf("holder(%q) = %d; want %d", "keep", got, other)
	}

	// The poll finds the cordoned worker empty and disables it.
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("Poll(): %v", err)
	}
	srv, err = c.admin.GetServerInfo(ctx, c.ids[i])
	if err != nil {
		t.Fatalf("GetServerInfo(%q): %v", c.ids[i], err)
	}
	if srv.State != scalelite.StateDisabled {
		t.Errorf("GetServerInfo(%q).State = %v; want %v", c.ids[i], srv.State, scalelite.StateDisabled)
	}
}

func TestCreateFailureReleasesThePlacement(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	c.workers[0].FailNext("create", 1, "internalError", "boom")
	_, err := c.create(ctx, "fails", nil)
	var e *bbb.Error
	if !errors.As(err, &e) {
		t.Fatalf("create(%q) error = %v (%T); want a *bbb.Error", "fails", err, err)
	}
	if e.Key != "internalError" {
		t.Errorf("create(%q): key %q; want %q (the worker's own answer is passed through)", "fails", e.Key, "internalError")
	}
	_, err = c.sl.Scheduler().Lookup(ctx, "fails")
	if !errors.Is(err, scheduler.ErrMeetingNotFound) {
		t.Errorf("Lookup(%q) error = %v; want %v", "fails", err, scheduler.ErrMeetingNotFound)
	}
	// The next attempt works.
	if _, err := c.create(ctx, "fails", nil); err != nil {
		t.Fatalf("create(%q) again: %v", "fails", err)
	}
	if got := c.holder("fails"); got != 0 {
		t.Errorf("holder(%q) = %d; want 0", "fails", got)
	}
}

func TestGetRecordingsFansOut(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	if _, err := c.workers[0].AddRecording(recordingSpec("m-a")); err != nil {
		t.Fatalf("worker 0 AddRecording(%q): %v", "m-a", err)
	}
	if _, err := c.workers[2].AddRecording(recordingSpec("m-b")); err != nil {
		t.Fatalf("worker 2 AddRecording(%q): %v", "m-b", err)
	}
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{})
	if err != nil {
		t.Fatalf("GetRecordings(): %v", err)
	}
	var got []string
	for _, r := range page.Recordings {
		got = append(got, r.MeetingID)
	}
	if diff := cmp.Diff([]string{"m-a", "m-b"}, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("GetRecordings() meeting IDs mismatch (-want +got):\n%s", diff)
	}

	page, err = c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"m-b"}})
	if err != nil {
		t.Fatalf("GetRecordings(meeting m-b): %v", err)
	}
	if len(page.Recordings) != 1 {
		t.Fatalf("GetRecordings(meeting m-b) returned %d recordings; want 1", len(page.Recordings))
	}
	if got := page.Recordings[0].MeetingID; got != "m-b" {
		t.Errorf("GetRecordings(meeting m-b)[0].MeetingID = %q; want %q", got, "m-b")
	}

	c.workers[2].SetDown(true)
	page, err = c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{})
	if err != nil {
		t.Fatalf("GetRecordings() with a worker down: %v", err)
	}
	if len(page.Recordings) != 1 {
		t.Fatalf("GetRecordings() with a worker down returned %d recordings; want 1 (a failed worker is left out)", len(page.Recordings))
	}
}

func TestMultitenancy(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2, WithMultitenancy())
	ctx := context.Background()
	t1, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"school1-secret"}})
	if err != nil {
		t.Fatalf("AddTenant(%q): %v", "school1", err)
	}
	if _, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school2", Secrets: []string{"school2-secret", "school2-old"}}); err != nil {
		t.Fatalf("AddTenant(%q): %v", "school2", err)
	}

	// A client whose requests carry Host school1.<anything> reaches the fake.
	tenantClient := func(name, secret string) *bbb.Client {
		u, _ := url.Parse(c.sl.URL)
		cl, err := bbb.New("http://"+name+".scalelite.test:"+u.Port()+"/bigbluebutton/api/", secret,
			bbb.WithHTTPClient(&http.Client{Transport: hostRewrite{c.hc.Transport, u.Host}}))
		if err != nil {
			t.Fatalf("bbb.New(tenant %q): %v", name, err)
		}
		return cl
	}
	s1 := tenantClient("school1", "school1-secret")
	s2 := tenantClient("school2", "school2-old")
	if _, err := s1.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room a", MeetingID: "t1-room"}); err != nil {
		t.Fatalf("school1 CreateMeeting(%q): %v", "t1-room", err)
	}
	if _, err := s2.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room b", MeetingID: "t2-room"}); err != nil {
		t.Fatalf("school2 CreateMeeting(%q): %v", "t2-room", err)
	}

	// The balancer secret is not a tenant's secret.
	_, err = tenantClient("school1", c.sl.Secret).GetMeetings(ctx)
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Errorf("school1 GetMeetings() with the balancer secret: error = %v; want %v", err, bbb.ErrChecksum)
	}
	_, err = tenantClient("school1", "school2-secret").GetMeetings(ctx)
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Errorf("school1 GetMeetings() with school2's secret: error = %v; want %v", err, bbb.ErrChecksum)
	}

	m, ok := c.workers[c.holder("t1-room")].Meeting("t1-room")
	if !ok {
		t.Fatalf("worker.Meeting(%q): not found", "t1-room")
	}
	if got := m.Metadata["tenant-id"]; got != t1.ID {
		t.Errorf("meeting metadata tenant-id = %q; want %q", got, t1.ID)
	}
	if got := m.Metadata["tenant-name"]; got != "school1" {
		t.Errorf("meeting metadata tenant-name = %q; want %q", got, "school1")
	}

	list, err := s1.GetMeetings(ctx)
	if err != nil {
		t.Fatalf("school1 GetMeetings(): %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("school1 GetMeetings() returned %d meetings; want 1", len(list))
	}
	if got := list[0].MeetingID; got != "t1-room" {
		t.Errorf("school1 GetMeetings()[0].MeetingID = %q; want %q", got, "t1-room")
	}
	_, err = s1.GetMeetingInfo(ctx, "t2-room")
	if !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("school1 GetMeetingInfo(%q) error = %v; want %v (a tenant does not see another's meeting)", "t2-room", err, bbb.ErrNotFound)
	}
	_, err = s1.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room x", MeetingID: "t2-room"})
	if err == nil {
		t.Errorf("school1 CreateMeeting(%q) succeeded; want an error (meeting IDs are one namespace)", "t2-room")
	}

	// Without a tenant host, the balancer secret sees everything.
	all, err := c.front.GetMeetings(ctx)
	if err != nil {
		t.Fatalf("GetMeetings(): %v", err)
	}
	if len(all) != 2 {
		t.Errorf("GetMeetings() returned %d meetings; want 2", len(all))
	}
}

// hostRewrite sends every request to addr, keeping the Host header.
type hostRewrite struct {
	rt   http.RoundTripper
	addr string
}

func (h hostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Host = h.addr
	r2.Host = r.URL.Host
	return h.rt.RoundTrip(r2)
}

// TestPostCreateForwardsTheBody sends a create with pre-uploaded slides (an
// XML body): the worker receives the body and the meeting has the document.
func TestPostCreateForwardsTheBody(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	q := url.Values{"name": {"slides room"}, "meetingID": {"slides"}}
	raw := bbb.EncodeQuery(q)
	u := c.sl.APIURL() + "create?" + raw + "&checksum=" + checksum.Sum(checksum.SHA256, "create", raw, c.sl.Secret)
	body := `<modules><module name="presentation"><document url="https://example.org/deck.pdf" filename="deck.pdf"/></module></modules>`
	resp, err := c.hc.Post(u, "application/xml", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST create: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(answer), "<returncode>SUCCESS</returncode>") {
		t.Fatalf("POST create answered %s; want SUCCESS", answer)
	}
	m, ok := c.workers[0].Meeting("slides")
	if !ok {
		t.Fatalf("worker.Meeting(%q): not found", "slides")
	}
	if len(m.Documents) != 1 {
		t.Fatalf("meeting has %d documents; want 1", len(m.Documents))
	}
	if got, want := m.Documents[0].URL, "https://example.org/deck.pdf"; got != want {
		t.Errorf("document URL = %q; want %q", got, want)
	}
}

func TestRecordingChangesReachTheRightWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	id, err := c.workers[1].AddRecording(recordingSpec("rec-room"))
	if err != nil {
		t.Fatalf("worker 1 AddRecording(%q): %v", "rec-room", err)
	}

	published, err := c.front.PublishRecordings(ctx, []string{id}, false)
	if err != nil {
		t.Fatalf("PublishRecordings(%q, false): %v", id, err)
	}
	if published {
		t.Errorf("PublishRecordings(%q, false) = true; want false", id)
	}
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{RecordIDs: []string{id}})
	if err != nil {
		t.Fatalf("GetRecordings(record %q): %v", id, err)
	}
	if len(page.Recordings) != 1 {
		t.Fatalf("GetRecordings(record %q) returned %d recordings; want 1", id, len(page.Recordings))
	}
	if page.Recordings[0].Published {
		t.Errorf("recording %q Published = true; want false", id)
	}

	ok, err := c.front.UpdateRecordings(ctx, []string{id}, map[string]string{"course": "physics"})
	if err != nil {
		t.Fatalf("UpdateRecordings(%q): %v", id, err)
	}
	if !ok {
		t.Errorf("UpdateRecordings(%q) = false; want true", id)
	}
	ok, err = c.front.DeleteRecordings(ctx, []string{id})
	if err != nil {
		t.Fatalf("DeleteRecordings(%q): %v", id, err)
	}
	if !ok {
		t.Errorf("DeleteRecordings(%q) = false; want true", id)
	}
	recs := c.workers[1].Recordings()
	if len(recs) != 1 {
		t.Fatalf("worker 1 holds %d recordings; want 1", len(recs))
	}
	if recs[0].State != "deleted" {
		t.Errorf("recording State = %q; want %q", recs[0].State, "deleted")
	}
	if got := recs[0].Metadata["course"]; got != "physics" {
		t.Errorf("recording metadata course = %q; want %q", got, "physics")
	}

	_, err = c.front.DeleteRecordings(ctx, []string{"no-such-recording"})
	if !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("DeleteRecordings(%q) error = %v; want %v", "no-such-recording", err, bbb.ErrNotFound)
	}
}

func TestInsertDocumentGoesToTheMeetingsWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	if _, err := c.create(ctx, "docs", nil); err != nil {
		t.Fatalf("create(%q): %v", "docs", err)
	}
	err := c.front.InsertDocument(ctx, "docs", []bbb.Document{{URL: "https://example.org/extra.pdf", Filename: "extra.pdf"}})
	if err != nil {
		t.Fatalf("InsertDocument(%q): %v", "docs", err)
	}
	m, ok := c.workers[c.holder("docs")].Meeting("docs")
	if !ok {
		t.Fatalf("worker.Meeting(%q): not found", "docs")
	}
	if len(m.Documents) != 1 {
		t.Fatalf("meeting has %d documents; want 1", len(m.Documents))
	}
	if got, want := m.Documents[0].URL, "https://example.org/extra.pdf"; got != want {
		t.Errorf("document URL = %q; want %q", got, want)
	}
	err = c.front.InsertDocument(ctx, "unknown", []bbb.Document{{URL: "https://example.org/x.pdf", Filename: "x.pdf"}})
	if !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("InsertDocument(%q) = %v; want %v", "unknown", err, bbb.ErrNotFound)
	}
}

// TestDisableAndDeleteForgetMeetings checks the fix for Scalelite's stale
// meetings: after disable or delete, the next create of the same meeting ID
// lands on a live worker.
func TestDisableAndDeleteForgetMeetings(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	for _, id := range meetingIDs("stale", 6) {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
	}
	onServer := func(idx int) []string {
		ids, err := c.sl.Scheduler().MeetingIDs(ctx, c.ids[idx])
		if err != nil {
			t.Fatalf("MeetingIDs(%q): %v", c.ids[idx], err)
		}
		return ids
	}
	disabled, deleted := onServer(0), onServer(1)
	if len(disabled) == 0 {
		t.Fatalf("worker 0 holds no meetings; want some")
	}
	if len(deleted) == 0 {
		t.Fatalf("worker 1 holds no meetings; want some")
	}

	if _, err := c.admin.DisableServer(ctx, c.ids[0]); err != nil {
		t.Fatalf("DisableServer(%q): %v", c.ids[0], err)
	}
	if err := c.admin.DeleteServer(ctx, c.ids[1]); err != nil {
		t.Fatalf("DeleteServer(%q): %v", c.ids[1], err)
	}
	for _, id := range append(disabled, deleted...) {
		_, err := c.front.GetMeetingInfo(ctx, id)
		if !errors.Is(err, bbb.ErrNotFound) {
			t.Errorf("GetMeetingInfo(%q) error = %v; want %v", id, err, bbb.ErrNotFound)
		}
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q) again: %v", id, err)
		}
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", id, err)
		}
		if srv.ID != c.ids[2] {
			t.Errorf("Lookup(%q).ID = %q; want %q (re-created on the only live worker)", id, srv.ID, c.ids[2])
		}
	}
}

// TestLoadMultiplierWeighsPlacement gives one worker multiplier 2: it gets
// half as many meetings as each of the others.
func TestLoadMultiplierWeighsPlacement(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	if _, err := c.admin.UpdateServer(ctx, c.ids[2], &scalelite.UpdateServerParams{LoadMultiplier: 2}); err != nil {
		t.Fatalf("UpdateServer(%q, multiplier 2): %v", c.ids[2], err)
	}
	for _, id := range meetingIDs("weighted", 30) {
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
	}
	counts := c.placement()
	for i, want := range []float64{12, 12, 6} {
		if math.Abs(float64(counts[i])-want) > 1 {
			t.Errorf("worker %d holds %d meetings; want %v±1 (placement %v)", i, counts[i], want, counts)
		}
	}
}
