package bbbtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func newClient(t *testing.T, s *bbbtest.Server, opts ...bbb.Option) *bbb.Client {
	t.Helper()
	c, err := bbb.New(s.APIURL(), s.Secret, append([]bbb.Option{bbb.WithHTTPClient(s.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientLifecycle drives a whole meeting and recording lifecycle
// through bbb.Client.
func TestClientLifecycle(t *testing.T) {
	t.Parallel()
	clock := bbbtest.NewFakeClock(time.Time{})
	s := bbbtest.NewServer(bbbtest.WithClock(clock.Now), bbbtest.WithPublishDelay(5*time.Minute))
	defer s.Close()
	c := newClient(t, s)
	ctx := context.Background()

	v, err := c.Version(ctx)
	if err != nil || v.APIVersion != "2.0" || v.BBBVersion == "" {
		t.Fatalf("Version: %+v %v", v, err)
	}
	params := &bbb.CreateMeetingParams{
		Name: "Physics 101", MeetingID: "phys-101", Record: bbb.Bool(true), MaxParticipants: 10,
		Meta:          map[string]string{"bbb-origin": "bbbkit", "Course": "PHYS"},
		Presentations: []bbb.Document{{URL: "https://example.com/slides.pdf", Filename: "slides.pdf"}},
	}
	created, err := c.CreateMeeting(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if created.MeetingID != "phys-101" || !strings.HasSuffix(created.InternalMeetingID, "-1767225600000") || created.Duplicate() {
		t.Errorf("create: %+v", created)
	}
	again, err := c.CreateMeeting(ctx, params)
	if err != nil || !again.Duplicate() || again.InternalMeetingID != created.InternalMeetingID {
		t.Errorf("repeat create: %+v %v", again, err)
	}
	if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Phys", MeetingID: "phys-101", AttendeePW: "other"}); !errors.Is(err, bbb.ErrIDNotUnique) {
		t.Errorf("other password: %v", err)
	}
	if running, err := c.IsMeetingRunning(ctx, "phys-101"); err != nil || running {
		t.Errorf("running before join: %v %v", running, err)
	}

	// A browser following the join URL is redirected to the client.
	joinURL, err := c.JoinURL(&bbb.JoinParams{FullName: "Prof. Ada", MeetingID: "phys-101", Role: "MODERATOR", UserID: "ada",
		CreateTime: created.CreateTime(), UserData: map[string]string{"bbb_auto_join_audio": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(joinURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "sessionToken=") {
		t.Fatalf("join URL: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Server-side join.
	jr, err := c.Join(ctx, &bbb.JoinParams{FullName: "Student Bob", MeetingID: "phys-101", Role: "VIEWER", UserID: "bob"})
	if err != nil || jr.SessionToken == "" || jr.MeetingID != created.InternalMeetingID {
		t.Fatalf("Join: %+v %v", jr, err)
	}
	if strings.Contains(jr.String(), jr.SessionToken) {
		t.Error("JoinResponse.String shows the token")
	}
	// A user joining through the test control.
	if _, err := s.Join("phys-101", bbbtest.User{FullName: "Carol", Voice: true, ListenOnly: true}); err != nil {
		t.Fatal(err)
	}
	if running, err := c.IsMeetingRunning(ctx, "phys-101"); err != nil || !running {
		t.Errorf("running after join: %v %v", running, err)
	}
	m, err := c.GetMeetingInfo(ctx, "phys-101")
	if err != nil {
		t.Fatal(err)
	}
	if !m.Running || m.ParticipantCount != 3 || m.ModeratorCount != 1 || m.ListenerCount != 1 || m.MaxUsers != 10 || !m.Recording ||
		m.Metadata["course"] != "PHYS" || m.Metadata["bbb-origin"] != "bbbkit" || !m.CreateTime.Equal(created.CreateTime()) {
		t.Errorf("meeting info: %+v", m)
	}
	if a := m.Attendees[0]; a.UserID != "ada" || !a.IsModerator() || !a.IsPresenter || a.CustomData["bbb_auto_join_audio"] != "true" || a.ClientType != "HTML5" {
		t.Errorf("attendee: %+v", a)
	}
	meetings, err := c.GetMeetings(ctx)
	if err != nil || len(meetings) != 1 || meetings[0].MeetingID != "phys-101" {
		t.Errorf("GetMeetings: %+v %v", meetings, err)
	}
	sessions, err := c.GetSessions(ctx)
	if err != nil || len(sessions) != 3 || sessions[1].UserName != "Student Bob" {
		t.Errorf("GetSessions: %+v %v", sessions, err)
	}
	if err := c.SendChatMessage(ctx, &bbb.SendChatMessageParams{MeetingID: "phys-101", Message: "Welcome!"}); err != nil {
		t.Error(err)
	}
	if err := c.InsertDocument(ctx, "phys-101", []bbb.Document{{Filename: "notes.txt", Content: []byte("hello")}}); err != nil {
		t.Error(err)
	}
	if st, _ := s.Meeting("phys-101"); len(st.Documents) != 2 || !st.Documents[1].Embedded || len(st.Chat) != 1 {
		t.Errorf("documents %+v chat %+v", st.Documents, st.Chat)
	}
	newURL, err := c.GetJoinURL(ctx, &bbb.GetJoinURLParams{SessionToken: jr.SessionToken, SessionName: "phone"})
	if err != nil || !strings.Contains(newURL, "existingUserID=bob") {
		t.Errorf("GetJoinURL: %q %v", newURL, err)
	}

	clock.Advance(45 * time.Minute)
	if err := c.EndMeeting(ctx, "phys-101"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMeetingInfo(ctx, "phys-101"); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("info after end: %v", err)
	}
	if ms, err := c.GetMeetings(ctx); err != nil || len(ms) != 0 {
		t.Errorf("GetMeetings after end: %v %v", ms, err)
	}
	page, err := c.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"phys-101"}, States: []string{"any"}})
	if err != nil || len(page.Recordings) != 1 || page.Recordings[0].State != "processing" {
		t.Fatalf("recording while processing: %+v %v", page, err)
	}
	clock.Advance(5 * time.Minute)
	page, err = c.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"phys-101"}})
	if err != nil || len(page.Recordings) != 1 {
		t.Fatalf("GetRecordings: %+v %v", page, err)
	}
	rec := page.Recordings[0]
	if rec.RecordID != created.InternalMeetingID || !rec.Published || rec.Participants != 3 || rec.Name != "Physics 101" ||
		rec.Metadata["course"] != "PHYS" || rec.Metadata["meetingId"] != "phys-101" || rec.EndTime.Sub(rec.StartTime) != 45*time.Minute {
		t.Errorf("recording: %+v", rec)
	}
	if len(rec.Playback) != 1 || rec.Playback[0].Type != "presentation" || rec.Playback[0].Length != 45 || len(rec.Playback[0].Preview) != 3 ||
		rec.Playback[0].Preview[0].Width != 176 || rec.Playback[0].ProcessingTime != 300000 {
		t.Errorf("playback: %+v", rec.Playback)
	}
	if ok, err := c.PublishRecordings(ctx, []string{rec.RecordID}, false); err != nil || ok {
		t.Errorf("unpublish: %v %v", ok, err)
	}
	if ok, err := c.UpdateRecordings(ctx, []string{rec.RecordID}, map[string]string{"course": "", "term": "fall"}); err != nil || !ok {
		t.Errorf("update: %v %v", ok, err)
	}
	if _, err := c.PutRecordingTextTrack(ctx, &bbb.PutTextTrackParams{RecordID: rec.RecordID, Kind: "captions", Lang: "en-US", Label: "English", File: strings.NewReader("WEBVTT\n")}); err != nil {
		t.Error(err)
	}
	tracks, err := c.GetRecordingTextTracks(ctx, rec.RecordID)
	if err != nil || len(tracks) != 1 || tracks[0].Label != "English" {
		t.Errorf("tracks: %+v %v", tracks, err)
	}
	page, err = c.GetRecordings(ctx, &bbb.GetRecordingsParams{States: []string{"unpublished"}, Meta: map[string]string{"term": "fall"}})
	if err != nil || len(page.Recordings) != 1 || page.Recordings[0].Metadata["course"] != "" {
		t.Errorf("filtered: %+v %v", page, err)
	}
	if ok, err := c.DeleteRecordings(ctx, []string{rec.RecordID}); err != nil || !ok {
		t.Errorf("delete: %v %v", ok, err)
	}
	if _, err := c.DeleteRecordings(ctx, []string{rec.RecordID}); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	s := bbbtest.NewServer()
	defer s.Close()
	c := newClient(t, s)
	ctx := context.Background()
	if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Full", MeetingID: "full", MaxParticipants: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join("full", bbbtest.User{FullName: "A"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"wrong secret", func() error {
			bad, _ := bbb.New(s.APIURL(), "wrong", bbb.WithHTTPClient(s.Client()))
			_, err := bad.GetMeetings(ctx)
			return err
		}(), bbb.ErrChecksum},
		{"unknown meeting", func() error { _, err := c.GetMeetingInfo(ctx, "nope"); return err }(), bbb.ErrNotFound},
		{"full meeting", func() error {
			_, err := c.Join(ctx, &bbb.JoinParams{FullName: "B", MeetingID: "full", Role: "VIEWER"})
			return err
		}(), bbb.ErrMaxParticipants},
		{"createTime", func() error {
			_, err := c.Join(ctx, &bbb.JoinParams{FullName: "B", MeetingID: "full", Role: "VIEWER", CreateTime: time.Unix(1, 0)})
			return err
		}(), bbb.ErrCreateTimeMismatch},
		{"wrong password", func() error {
			_, err := c.Join(ctx, &bbb.JoinParams{FullName: "B", MeetingID: "full", Password: "nope"})
			return err
		}(), bbb.ErrValidation},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	s.InjectFault(bbbtest.Fault{Call: "getMeetings", Status: http.StatusBadGateway})
	var he *bbb.HTTPError
	if _, err := c.GetMeetings(ctx); !errors.As(err, &he) || he.StatusCode != http.StatusBadGateway {
		t.Errorf("502: %v", err)
	}
	fresh, _ := bbb.New(s.APIURL(), s.Secret, bbb.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
	s.DropNext("getMeetings", 1)
	var te *bbb.TransportError
	if _, err := fresh.GetMeetings(ctx); !errors.As(err, &te) {
		t.Errorf("dropped: %v", err)
	}
	s.FailNext("isMeetingRunning", 1, "internalError", "injected")
	var be *bbb.Error
	if _, err := c.IsMeetingRunning(ctx, "full"); !errors.As(err, &be) || be.Key != "internalError" {
		t.Errorf("FAILED fault: %v", err)
	}
	retrying := newClient(t, s, bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	s.InjectFault(bbbtest.Fault{Call: "getMeetingInfo", Status: http.StatusServiceUnavailable, Count: 2})
	if _, err := retrying.GetMeetingInfo(ctx, "full"); err != nil {
		t.Errorf("retry through two 503s: %v", err)
	}
}

func TestClientAlgorithms(t *testing.T) {
	t.Parallel()
	for _, alg := range checksum.All {
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			s := bbbtest.NewServer(bbbtest.WithAcceptedChecksums(alg))
			defer s.Close()
			c := newClient(t, s, bbb.WithChecksum(alg))
			if _, err := c.GetMeetings(context.Background()); err != nil {
				t.Errorf("%s: %v", alg, err)
			}
			other := checksum.SHA256
			if alg == checksum.SHA256 {
				other = checksum.SHA512
			}
			refused := newClient(t, s, bbb.WithChecksum(other))
			if _, err := refused.GetMeetings(context.Background()); !errors.Is(err, bbb.ErrChecksum) {
				t.Errorf("%s accepted: %v", other, err)
			}
		})
	}
}

// hooksCreate is the hooks/create answer decoded through Client.Do.
type hooksCreate struct {
	bbb.Envelope
	HookID    string `xml:"hookID"`
	Permanent bool   `xml:"permanentHook"`
	RawData   bool   `xml:"rawData"`
}

type hooksList struct {
	bbb.Envelope
	Hooks []struct {
		HookID      string `xml:"hookID"`
		CallbackURL string `xml:"callbackURL"`
	} `xml:"hooks>hook"`
}

func TestClientHooks(t *testing.T) {
	t.Parallel()
	s := bbbtest.NewServer()
	defer s.Close()
	c := newClient(t, s)
	ctx := context.Background()
	var created hooksCreate
	if err := c.Do(ctx, "hooks/create", url.Values{"callbackURL": {"http://127.0.0.1:9/cb"}}, &created); err != nil || created.HookID == "" {
		t.Fatalf("hooks/create: %+v %v", created, err)
	}
	var list hooksList
	if err := c.Do(ctx, "hooks/list", nil, &list); err != nil || len(list.Hooks) != 1 || list.Hooks[0].CallbackURL != "http://127.0.0.1:9/cb" {
		t.Errorf("hooks/list: %+v %v", list, err)
	}
	var destroyed struct {
		bbb.Envelope
		Removed bool `xml:"removed"`
	}
	if err := c.Do(ctx, "hooks/destroy", url.Values{"hookID": {created.HookID}}, &destroyed); err != nil || !destroyed.Removed {
		t.Errorf("hooks/destroy: %+v %v", destroyed, err)
	}
	if err := c.Do(ctx, "hooks/destroy", url.Values{"hookID": {created.HookID}}, &destroyed); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("destroy twice: %v", err)
	}
}

func TestClientRecordingsPaging(t *testing.T) {
	t.Parallel()
	s := bbbtest.NewServer()
	defer s.Close()
	c := newClient(t, s)
	var want []string
	for i := range 250 {
		id, err := s.AddRecording(bbbtest.RecordingSpec{MeetingID: "series", Start: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	var got []string
	for r, err := range c.Recordings(context.Background(), &bbb.GetRecordingsParams{MeetingIDs: []string{"series"}}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.RecordID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("iterated %d recordings, want %d in order", len(got), len(want))
	}
	if n := s.Calls("getRecordings"); n != 3 {
		t.Errorf("%d getRecordings calls for 250 recordings, want 3", n)
	}
	page, err := c.GetRecordings(context.Background(), &bbb.GetRecordingsParams{Limit: 10, Offset: 245})
	if err != nil || !page.Paged || page.TotalElements != 250 || len(page.Recordings) != 5 {
		t.Errorf("last page: %d recordings, total %d, paged %v, %v", len(page.Recordings), page.TotalElements, page.Paged, err)
	}
}

func TestClientParsesGroupedNumbers(t *testing.T) {
	t.Parallel()
	s := bbbtest.NewServer(bbbtest.WithThousandsSeparators())
	defer s.Close()
	c := newClient(t, s)
	if _, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Big", MeetingID: "big", MaxParticipants: 1500}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Get(c.SignedURL("getMeetings", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "<maxUsers>1,500</maxUsers>") {
		t.Fatalf("no grouped number: %s", body)
	}
	ms, err := c.GetMeetings(context.Background())
	if err != nil || len(ms) != 1 || ms[0].MaxUsers != 1500 {
		t.Errorf("GetMeetings: %+v %v", ms, err)
	}
}
