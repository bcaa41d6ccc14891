package scalelitetest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		require.NoError(t, err)
	}
	counts := c.placement()
	total := 0
	for i, n := range counts {
		total += n
		assert.InDelta(t, 40, n, 1, "worker %d holds %d meetings: %v", i, n, counts)
	}
	assert.Equal(t, 200, total)
	// Every meeting is on the worker the scheduler says.
	for _, id := range ids {
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		require.NoError(t, err)
		i := c.holder(id)
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, c.ids[i], srv.ID)
	}
	// A repeated create goes to the same worker and creates nothing new.
	_, err := c.create(ctx, ids[0], nil)
	require.NoError(t, err)
	assert.Equal(t, counts, c.placement())
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
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
	}
	require.Equal(t, []int{10, 10, 10}, c.placement())
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
	require.NoError(t, err)
	assert.Len(t, ms, 20)

	// Two failed polls (the default threshold) take it offline.
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	srv, err := c.admin.GetServerInfo(ctx, c.ids[1])
	require.NoError(t, err)
	assert.True(t, srv.Online, "one failed poll is not enough")
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	srv, err = c.admin.GetServerInfo(ctx, c.ids[1])
	require.NoError(t, err)
	assert.False(t, srv.Online)
	assert.False(t, srv.Load.Known)

	left, err := c.sl.Scheduler().MeetingIDs(ctx, c.ids[1])
	require.NoError(t, err)
	assert.Empty(t, left, "nothing points at the dead worker")
	for _, id := range onDead {
		running, err := c.front.IsMeetingRunning(ctx, id)
		require.NoError(t, err)
		assert.False(t, running)
		_, err = c.front.GetMeetingInfo(ctx, id)
		assert.ErrorIs(t, err, bbb.ErrNotFound)
	}
	// The frontend re-creates them: they land on live workers.
	for _, id := range onDead {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
		_, on0 := c.workers[0].Meeting(id)
		_, on2 := c.workers[2].Meeting(id)
		assert.True(t, on0 != on2, "re-created on exactly one live worker")
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		require.NoError(t, err)
		assert.NotEqual(t, c.ids[1], srv.ID)
	}
	for _, id := range meetingIDs("after", 20) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
		i := c.holder(id)
		assert.Contains(t, []int{0, 2}, i)
	}
	assert.Len(t, dead.Meetings(), 10, "the dead worker got nothing new")
}

func TestJoinRedirectsToTheWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	_, err := c.create(ctx, "room-1", nil)
	require.NoError(t, err)
	w := c.workers[c.holder("room-1")]

	joinURL, err := c.front.JoinURL(&bbb.JoinParams{FullName: "Ada", MeetingID: "room-1", Role: bbb.RoleModerator})
	require.NoError(t, err)
	resp, err := c.hc.Get(joinURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(loc.String(), w.APIURL()+"join?"), loc.String())
	require.NoError(t, checksum.Verify("join", loc.RawQuery, w.Secret), "signed with the worker's own secret")
	assert.Equal(t, "Ada", loc.Query().Get("fullName"))

	// The worker accepts it: the user joins.
	resp, err = c.hc.Get(loc.String())
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	m, ok := w.Meeting("room-1")
	require.True(t, ok)
	require.Len(t, m.Attendees, 1)
	assert.Equal(t, "Ada", m.Attendees[0].FullName)

	// A join for an unknown meeting is notFound, in XML.
	_, err = c.front.Join(ctx, &bbb.JoinParams{FullName: "Bob", MeetingID: "nope", Role: bbb.RoleViewer, Redirect: bbb.Bool(false)})
	assert.ErrorIs(t, err, bbb.ErrNotFound)
}

func TestEndAndMeetingCalls(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	created, err := c.create(ctx, "room-e", map[string]string{"origin": "test"})
	require.NoError(t, err)
	assert.Equal(t, "room-e", created.MeetingID)

	running, err := c.front.IsMeetingRunning(ctx, "room-e")
	require.NoError(t, err)
	assert.False(t, running, "nobody joined yet")
	info, err := c.front.GetMeetingInfo(ctx, "room-e")
	require.NoError(t, err)
	assert.Equal(t, "test", info.Metadata["origin"])

	// Unknown meetings are answered without asking a worker.
	before := c.workers[0].Calls("isMeetingRunning") + c.workers[1].Calls("isMeetingRunning")
	running, err = c.front.IsMeetingRunning(ctx, "unknown")
	require.NoError(t, err)
	assert.False(t, running)
	assert.Equal(t, before, c.workers[0].Calls("isMeetingRunning")+c.workers[1].Calls("isMeetingRunning"))
	_, err = c.front.GetMeetingInfo(ctx, "unknown")
	assert.ErrorIs(t, err, bbb.ErrNotFound)
	assert.ErrorIs(t, c.front.EndMeeting(ctx, "unknown"), bbb.ErrNotFound)

	require.NoError(t, c.front.EndMeeting(ctx, "room-e"))
	assert.Equal(t, -1, c.holder("room-e"))
	_, err = c.sl.Scheduler().Lookup(ctx, "room-e")
	assert.ErrorIs(t, err, scheduler.ErrMeetingNotFound)
}

func TestFrontRefusals(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	wrong, err := bbb.New(c.sl.APIURL(), "wrong-secret", bbb.WithHTTPClient(c.hc))
	require.NoError(t, err)
	_, err = wrong.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room x", MeetingID: "x"})
	assert.ErrorIs(t, err, bbb.ErrChecksum)
	assert.Empty(t, c.workers[0].Meetings())

	var e *bbb.Error
	err = c.front.Do(ctx, "create", url.Values{"name": {"x"}}, &struct{ bbb.Envelope }{})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "missingParamMeetingID", e.Key)

	err = c.front.Do(ctx, "getDefaultConfigXML", nil, &struct{ bbb.Envelope }{})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "unsupportedRequest", e.Key)

	// SHA-384 is not in Scalelite's default set.
	c384 := c.sl.BBBClient(bbb.WithHTTPClient(c.hc), bbb.WithChecksum(checksum.SHA384))
	_, err = c384.GetMeetings(ctx)
	assert.ErrorIs(t, err, bbb.ErrChecksum)

	// The API root answers without a checksum.
	v, err := c.front.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, "2.0", v.Version)
}

func TestNoServerAvailable(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	_, err := c.admin.DisableServer(ctx, c.ids[0])
	require.NoError(t, err)
	_, err = c.create(ctx, "nowhere", nil)
	var e *bbb.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "internalError", e.Key)
	assert.Equal(t, "Could not find any available servers.", e.Message)
}

func TestTags(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	gpu := c.addWorker(t, "gpu")
	ctx := context.Background()

	_, err := c.create(ctx, "g1", map[string]string{"server-tag": "gpu"})
	require.NoError(t, err)
	m, ok := gpu.Meeting("g1")
	require.True(t, ok, "a gpu meeting lands on the gpu worker")
	assert.Equal(t, "gpu", m.Metadata["server-tag"])

	for _, id := range meetingIDs("plain", 6) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
		assert.NotEqual(t, 2, c.holder(id), "an untagged meeting never lands on a tagged worker")
	}
	// An unknown optional tag falls back to untagged workers.
	_, err = c.create(ctx, "fallback", map[string]string{"server-tag": "big"})
	require.NoError(t, err)
	m, ok = c.workers[c.holder("fallback")].Meeting("fallback")
	require.True(t, ok)
	assert.NotContains(t, m.Metadata, "server-tag", "the tag is removed for an untagged server")
	assert.Contains(t, []int{0, 1}, c.holder("fallback"))

	// A required tag with no worker is serverTagUnavailable.
	_, err = c.create(ctx, "must", map[string]string{"server-tag": "big!"})
	var e *bbb.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "serverTagUnavailable", e.Key)
	assert.Equal(t, -1, c.holder("must"))
}

func TestCordonKeepsMeetingsAndTakesNoNewOnes(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	_, err := c.create(ctx, "keep", nil)
	require.NoError(t, err)
	i := c.holder("keep")
	other := 1 - i
	// Somebody joins so that the meeting is running.
	_, err = c.workers[i].Join("keep", bbbtestUser("Ada"))
	require.NoError(t, err)
	srv, err := c.admin.CordonServer(ctx, c.ids[i])
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateCordoned, srv.State)

	for _, id := range meetingIDs("new", 4) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
		assert.Equal(t, other, c.holder(id))
	}
	// The running meeting stays where it is.
	_, err = c.create(ctx, "keep", nil)
	require.NoError(t, err)
	assert.Equal(t, i, c.holder("keep"))
	running, err := c.front.IsMeetingRunning(ctx, "keep")
	require.NoError(t, err)
	assert.True(t, running)

	// Once the meeting ended on the worker, a new create goes elsewhere.
	require.NoError(t, c.workers[i].EndMeeting("keep"))
	_, err = c.create(ctx, "keep", nil)
	require.NoError(t, err)
	assert.Equal(t, other, c.holder("keep"))

	// The poll finds the cordoned worker empty and disables it.
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	srv, err = c.admin.GetServerInfo(ctx, c.ids[i])
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateDisabled, srv.State)
}

func TestCreateFailureReleasesThePlacement(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1)
	ctx := context.Background()
	c.workers[0].FailNext("create", 1, "internalError", "boom")
	_, err := c.create(ctx, "fails", nil)
	var e *bbb.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "internalError", e.Key, "the worker's own answer is passed through")
	_, err = c.sl.Scheduler().Lookup(ctx, "fails")
	assert.ErrorIs(t, err, scheduler.ErrMeetingNotFound)
	// The next attempt works.
	_, err = c.create(ctx, "fails", nil)
	require.NoError(t, err)
	assert.Equal(t, 0, c.holder("fails"))
}

func TestGetRecordingsFansOut(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	_, err := c.workers[0].AddRecording(recordingSpec("m-a"))
	require.NoError(t, err)
	_, err = c.workers[2].AddRecording(recordingSpec("m-b"))
	require.NoError(t, err)
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{})
	require.NoError(t, err)
	var got []string
	for _, r := range page.Recordings {
		got = append(got, r.MeetingID)
	}
	assert.ElementsMatch(t, []string{"m-a", "m-b"}, got)

	page, err = c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"m-b"}})
	require.NoError(t, err)
	require.Len(t, page.Recordings, 1)
	assert.Equal(t, "m-b", page.Recordings[0].MeetingID)

	c.workers[2].SetDown(true)
	page, err = c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{})
	require.NoError(t, err)
	require.Len(t, page.Recordings, 1, "a failed worker is left out")
}

func TestMultitenancy(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2, WithMultitenancy())
	ctx := context.Background()
	t1, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"school1-secret"}})
	require.NoError(t, err)
	_, err = c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school2", Secrets: []string{"school2-secret", "school2-old"}})
	require.NoError(t, err)

	// A client whose requests carry Host school1.<anything> reaches the fake.
	tenantClient := func(name, secret string) *bbb.Client {
		u, _ := url.Parse(c.sl.URL)
		cl, err := bbb.New("http://"+name+".scalelite.test:"+u.Port()+"/bigbluebutton/api/", secret,
			bbb.WithHTTPClient(&http.Client{Transport: hostRewrite{c.hc.Transport, u.Host}}))
		require.NoError(t, err)
		return cl
	}
	s1 := tenantClient("school1", "school1-secret")
	s2 := tenantClient("school2", "school2-old")
	_, err = s1.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room a", MeetingID: "t1-room"})
	require.NoError(t, err)
	_, err = s2.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room b", MeetingID: "t2-room"})
	require.NoError(t, err)

	// The balancer secret is not a tenant's secret.
	_, err = tenantClient("school1", c.sl.Secret).GetMeetings(ctx)
	assert.ErrorIs(t, err, bbb.ErrChecksum)
	_, err = tenantClient("school1", "school2-secret").GetMeetings(ctx)
	assert.ErrorIs(t, err, bbb.ErrChecksum)

	m, ok := c.workers[c.holder("t1-room")].Meeting("t1-room")
	require.True(t, ok)
	assert.Equal(t, t1.ID, m.Metadata["tenant-id"])
	assert.Equal(t, "school1", m.Metadata["tenant-name"])

	list, err := s1.GetMeetings(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "t1-room", list[0].MeetingID)
	_, err = s1.GetMeetingInfo(ctx, "t2-room")
	assert.ErrorIs(t, err, bbb.ErrNotFound, "a tenant does not see another's meeting")
	_, err = s1.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "room x", MeetingID: "t2-room"})
	assert.Error(t, err, "meeting IDs are one namespace")

	// Without a tenant host, the balancer secret sees everything.
	all, err := c.front.GetMeetings(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 2)
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
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(answer), "<returncode>SUCCESS</returncode>")
	m, ok := c.workers[0].Meeting("slides")
	require.True(t, ok)
	require.Len(t, m.Documents, 1)
	assert.Equal(t, "https://example.org/deck.pdf", m.Documents[0].URL)
}

func TestRecordingChangesReachTheRightWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	id, err := c.workers[1].AddRecording(recordingSpec("rec-room"))
	require.NoError(t, err)

	published, err := c.front.PublishRecordings(ctx, []string{id}, false)
	require.NoError(t, err)
	assert.False(t, published)
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{RecordIDs: []string{id}})
	require.NoError(t, err)
	require.Len(t, page.Recordings, 1)
	assert.False(t, page.Recordings[0].Published)

	ok, err := c.front.UpdateRecordings(ctx, []string{id}, map[string]string{"course": "physics"})
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = c.front.DeleteRecordings(ctx, []string{id})
	require.NoError(t, err)
	assert.True(t, ok)
	recs := c.workers[1].Recordings()
	require.Len(t, recs, 1)
	assert.Equal(t, "deleted", recs[0].State)
	assert.Equal(t, "physics", recs[0].Metadata["course"])

	_, err = c.front.DeleteRecordings(ctx, []string{"no-such-recording"})
	assert.ErrorIs(t, err, bbb.ErrNotFound)
}

func TestInsertDocumentGoesToTheMeetingsWorker(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2)
	ctx := context.Background()
	_, err := c.create(ctx, "docs", nil)
	require.NoError(t, err)
	err = c.front.InsertDocument(ctx, "docs", []bbb.Document{{URL: "https://example.org/extra.pdf", Filename: "extra.pdf"}})
	require.NoError(t, err)
	m, ok := c.workers[c.holder("docs")].Meeting("docs")
	require.True(t, ok)
	require.Len(t, m.Documents, 1)
	assert.Equal(t, "https://example.org/extra.pdf", m.Documents[0].URL)
	err = c.front.InsertDocument(ctx, "unknown", []bbb.Document{{URL: "https://example.org/x.pdf", Filename: "x.pdf"}})
	assert.ErrorIs(t, err, bbb.ErrNotFound)
}

// TestDisableAndDeleteForgetMeetings checks the fix for Scalelite's stale
// meetings: after disable or delete, the next create of the same meeting ID
// lands on a live worker.
func TestDisableAndDeleteForgetMeetings(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	for _, id := range meetingIDs("stale", 6) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
	}
	onServer := func(idx int) []string {
		ids, err := c.sl.Scheduler().MeetingIDs(ctx, c.ids[idx])
		require.NoError(t, err)
		return ids
	}
	disabled, deleted := onServer(0), onServer(1)
	require.NotEmpty(t, disabled)
	require.NotEmpty(t, deleted)

	_, err := c.admin.DisableServer(ctx, c.ids[0])
	require.NoError(t, err)
	require.NoError(t, c.admin.DeleteServer(ctx, c.ids[1]))
	for _, id := range append(disabled, deleted...) {
		_, err := c.front.GetMeetingInfo(ctx, id)
		assert.ErrorIs(t, err, bbb.ErrNotFound, id)
		_, err = c.create(ctx, id, nil)
		require.NoError(t, err)
		srv, err := c.sl.Scheduler().Lookup(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, c.ids[2], srv.ID, "re-created on the only live worker")
	}
}

// TestLoadMultiplierWeighsPlacement gives one worker multiplier 2: it gets
// half as many meetings as each of the others.
func TestLoadMultiplierWeighsPlacement(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	ctx := context.Background()
	_, err := c.admin.UpdateServer(ctx, c.ids[2], &scalelite.UpdateServerParams{LoadMultiplier: 2})
	require.NoError(t, err)
	for _, id := range meetingIDs("weighted", 30) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
	}
	counts := c.placement()
	assert.InDelta(t, 12, counts[0], 1, "%v", counts)
	assert.InDelta(t, 12, counts[1], 1, "%v", counts)
	assert.InDelta(t, 6, counts[2], 1, "%v", counts)
}
