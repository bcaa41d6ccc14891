package bbb_test

import (
	"context"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

func TestGetMeetingInfoDecodes(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getMeetingInfo": {file: "get_meeting_info.xml"}})
	m, err := f.client(t).GetMeetingInfo(context.Background(), "room-42")
	if err != nil {
		t.Fatal(err)
	}
	if m.MeetingName != "Physics 101 & Lab" || m.MeetingID != "room-42" || !m.Running || !m.Recording || m.IsBreakout {
		t.Errorf("meeting fields: %+v", m)
	}
	if m.MaxUsers != 1000 {
		t.Errorf("MaxUsers = %d, want 1000 (from \"1,000\")", m.MaxUsers)
	}
	if !m.CreateTime.Equal(time.UnixMilli(1764115200123)) || !m.StartTime.Equal(time.UnixMilli(1764115201000)) || !m.EndTime.IsZero() {
		t.Errorf("times: %v %v %v", m.CreateTime, m.StartTime, m.EndTime)
	}
	if m.ParticipantCount != 3 || m.ListenerCount != 1 || m.VoiceParticipantCount != 2 || m.VideoCount != 1 || m.ModeratorCount != 1 {
		t.Errorf("counts: %+v", m)
	}
	if m.AttendeePW != "" || m.ModeratorPW != "" {
		t.Errorf("passwords should be empty when the server omits them")
	}
	if len(m.Attendees) != 3 {
		t.Fatalf("%d attendees", len(m.Attendees))
	}
	a := m.Attendees[0]
	if a.FullName != "Alice Ängström" || !a.IsModerator() || !a.IsPresenter || !a.HasVideo || a.ClientType != "HTML5" {
		t.Errorf("attendee 0: %+v", a)
	}
	if a.CustomData["bbb_custom_style"] != ":root{--loader-bg:#000;}" || a.CustomData["lms_user"] != "1234" {
		t.Errorf("custom data: %v", a.CustomData)
	}
	if m.Attendees[1].CustomData != nil || !m.Attendees[1].IsListeningOnly || m.Attendees[2].ClientType != "DIAL-IN" {
		t.Errorf("attendees 1,2: %+v", m.Attendees[1:])
	}
	wantMeta := map[string]string{"bbb-origin": "greenlight", "bbb-origin-version": "v3", "endcallbackurl": "https://portal.example.org/ended?room=42", "course": ""}
	if len(m.Metadata) != len(wantMeta) {
		t.Errorf("metadata %v", m.Metadata)
	}
	for k, v := range wantMeta {
		if m.Metadata[k] != v {
			t.Errorf("metadata[%s] = %q, want %q", k, m.Metadata[k], v)
		}
	}
	if len(m.BreakoutRooms) != 2 || m.BreakoutRooms[1] != "0a1b2c3e-1764115300001" {
		t.Errorf("breakout rooms %v", m.BreakoutRooms)
	}
}

func TestGetMeetingsDecodes(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getMeetings": {file: "get_meetings.xml"}})
	ms, err := f.client(t).GetMeetings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d meetings", len(ms))
	}
	if ms[0].ParticipantCount != 1204 || ms[0].MaxUsers != 2000 || ms[0].Metadata != nil {
		t.Errorf("meeting 0: %+v", ms[0])
	}
	b := ms[1]
	if !b.IsBreakout || b.ParentMeetingID != "aaaa-1764115200000" || b.Sequence != 1 || !b.FreeJoin || b.Metadata["bbb-origin"] != "api" {
		t.Errorf("breakout: %+v", b)
	}

	empty := newFake(t, map[string]route{"getMeetings": {file: "get_meetings_empty.xml"}})
	ms, err = empty.client(t).GetMeetings(context.Background())
	if err != nil || len(ms) != 0 {
		t.Errorf("noMeetings: %v, %d meetings", err, len(ms))
	}
}

func TestGetSessionsAndRunning(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getSessions": {file: "get_sessions.xml"}, "isMeetingRunning": {file: "is_meeting_running.xml"}})
	c := f.client(t)
	ss, err := c.GetSessions(context.Background())
	if err != nil || len(ss) != 2 || ss[1].UserName != "Bob" || ss[0].MeetingName != "Physics 101" {
		t.Errorf("sessions %+v, %v", ss, err)
	}
	running, err := c.IsMeetingRunning(context.Background(), "room-42")
	if err != nil || !running {
		t.Errorf("running %v, %v", running, err)
	}
}

func TestGetRecordingsDecodes(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getRecordings": {file: "get_recordings.xml"}})
	c := f.client(t)
	page, err := c.GetRecordings(context.Background(), &bbb.GetRecordingsParams{
		MeetingIDs: []string{"room-42", "room-7"}, RecordIDs: []string{"5a1c"}, States: []string{bbb.StateAny},
		Meta: map[string]string{"gl-listed": "true"}, Offset: 10, Limit: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	q := f.last(t).query
	for k, v := range map[string]string{"meetingID": "room-42,room-7", "recordID": "5a1c", "state": "any", "meta_gl-listed": "true", "offset": "10", "limit": "5"} {
		if q.Get(k) != v {
			t.Errorf("param %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if !page.Paged || page.TotalElements != 2 || len(page.Recordings) != 2 {
		t.Fatalf("page %+v", page)
	}
	r := page.Recordings[0]
	if r.Name != "Physics 101 & Lab" || !r.Published || r.State != bbb.StatePublished || r.Participants != 12 || r.RawSize != 104857600 || r.Size != 20971520 {
		t.Errorf("recording: %+v", r)
	}
	if r.Metadata["gl-listed"] != "true" || r.Metadata["meetingName"] != "Physics 101 & Lab" {
		t.Errorf("metadata %v", r.Metadata)
	}
	if len(r.Playback) != 2 || r.Playback[0].Type != "presentation" || r.Playback[0].Length != 60 || r.Playback[0].ProcessingTime != 7177 {
		t.Fatalf("playback %+v", r.Playback)
	}
	pv := r.Playback[0].Preview
	if len(pv) != 2 || pv[1].Alt != "Chapter 2" || pv[1].Width != 176 || pv[1].Height != 136 || pv[0].URL != "https://bbb.example.org/presentation/x/thumbnails/thumb-1.png" {
		t.Errorf("preview %+v", pv)
	}
	if len(r.DataFormats) != 1 || r.DataFormats[0].Type != "notes" {
		t.Errorf("data formats %+v", r.DataFormats)
	}
	u := page.Recordings[1]
	if !u.StartTime.IsZero() || !u.EndTime.IsZero() || u.State != bbb.StateProcessing || len(u.Playback) != 0 {
		t.Errorf("processing recording: %+v", u)
	}

	empty := newFake(t, map[string]route{"getRecordings": {file: "get_recordings_empty.xml"}})
	page, err = empty.client(t).GetRecordings(context.Background(), nil)
	if err != nil || len(page.Recordings) != 0 || page.Paged {
		t.Errorf("noRecordings: %+v, %v", page, err)
	}
}

func TestTextTracks(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"getRecordingTextTracks": {file: "text_tracks.json"},
		"putRecordingTextTrack":  {method: "POST", contentType: "multipart/form-data", file: "put_text_track.json"},
	})
	c := f.client(t)
	tracks, err := c.GetRecordingTextTracks(context.Background(), "rec-1")
	if err != nil || len(tracks) != 2 || tracks[1].Lang != "de-DE" || tracks[1].Kind != "subtitles" || tracks[0].Source != "live" {
		t.Fatalf("tracks %+v, %v", tracks, err)
	}
	resp, err := c.PutRecordingTextTrack(context.Background(), &bbb.PutTextTrackParams{
		RecordID: "rec-1", Kind: "captions", Lang: "de-DE", Label: "Deutsch", File: stringsReader("WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n"),
	})
	if err != nil || resp.RecordID != "rec-1" || resp.MessageKey != "upload_text_track_success" {
		t.Fatalf("put: %+v, %v", resp, err)
	}
	r := f.last(t)
	if r.query.Get("lang") != "de-DE" || r.query.Get("label") != "Deutsch" || r.query.Get("kind") != "captions" {
		t.Errorf("query %s", r.rawQuery)
	}
	if !containsAll(string(r.body), `name="file"`, `filename="track.vtt"`, "Content-Type: text/vtt", "Hallo") {
		t.Errorf("multipart body:\n%s", r.body)
	}

	failed := newFake(t, map[string]route{"putRecordingTextTrack": {method: "POST", file: "put_text_track_failed.json"}})
	_, err = failed.client(t).PutRecordingTextTrack(context.Background(), &bbb.PutTextTrackParams{RecordID: "rec-1", Kind: "captions", Lang: "de-DE", File: stringsReader("x")})
	var ae *bbb.Error
	if !asError(err, &ae) || ae.Key != "upload_text_track_failed" {
		t.Errorf("failed upload: %v", err)
	}
}

func TestRecordingsIteratorWalksPages(t *testing.T) {
	t.Parallel()
	const total = 23
	srv := pagedRecordingsServer(t, total, true)
	c := srv.client(t)
	var ids []string
	for r, err := range c.Recordings(context.Background(), &bbb.GetRecordingsParams{Limit: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.RecordID)
	}
	if len(ids) != total || ids[0] != "rec-0" || ids[total-1] != "rec-22" {
		t.Fatalf("walked %d recordings: %v", len(ids), ids)
	}
	if n := srv.calls(); n != 5 {
		t.Errorf("%d requests for 23 recordings at 5 per page, want 5", n)
	}
	// Breaking out of the loop stops the walk.
	n := 0
	for range c.Recordings(context.Background(), &bbb.GetRecordingsParams{Limit: 5}) {
		n++
		if n == 7 {
			break
		}
	}
	if n != 7 {
		t.Errorf("break: %d", n)
	}
}

func TestRecordingsIteratorWithoutPaging(t *testing.T) {
	t.Parallel()
	srv := pagedRecordingsServer(t, 12, false)
	var n int
	for _, err := range srv.client(t).Recordings(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 12 || srv.calls() != 1 {
		t.Errorf("old server: %d recordings in %d requests", n, srv.calls())
	}
}

func TestRecordingsIteratorYieldsError(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getRecordings": {file: "checksum_error.xml"}})
	var errs int
	for _, err := range f.client(t).Recordings(context.Background(), nil) {
		if err == nil || !isErr(err, bbb.ErrChecksum) {
			t.Fatalf("want checksum error, got %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors yielded", errs)
	}
}
