package bbbtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type recordingsXML struct {
	resp
	Recordings []struct {
		RecordID string `xml:"recordID"`
		State    string `xml:"state"`
		Meta     struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"metadata"`
		Formats []struct {
			Type   string `xml:"type"`
			URL    string `xml:"url"`
			Images []struct {
				Alt string `xml:"alt,attr"`
				URL string `xml:",chardata"`
			} `xml:"preview>images>image"`
		} `xml:"playback>format"`
	} `xml:"recordings>recording"`
	Total string `xml:"totalElements"`
}

func recordings(t *testing.T, s *Server, query string) recordingsXML {
	t.Helper()
	a := get(t, s, "getRecordings", query)
	var r recordingsXML
	if err := xml.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("%v\n%s", err, a.body)
	}
	return r
}

func TestRecordingLifecycle(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(clock.Now), WithPublishDelay(time.Minute))
	expectKey(t, get(t, s, "create", q("name", "Rec", "meetingID", "rec-1", "record", "true", "meta_course", "physics")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Nobody", "meetingID", "rec-2", "record", "true")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Unrecorded", "meetingID", "rec-3")), "SUCCESS", "")
	for _, id := range []string{"rec-1", "rec-3"} {
		if _, err := s.Join(id, User{FullName: "U", Role: "MODERATOR"}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(10 * time.Minute)
	for _, id := range []string{"rec-1", "rec-2", "rec-3"} {
		expectKey(t, get(t, s, "end", q("meetingID", id)), "SUCCESS", "sentEndMeetingRequest")
	}
	// Only the recorded meeting somebody joined becomes a recording.
	if r := s.Recordings(); len(r) != 1 || r[0].MeetingID != "rec-1" || r[0].State != StateProcessing {
		t.Fatalf("recordings after end: %+v", r)
	}
	expectKey(t, get(t, s, "getRecordings", ""), "SUCCESS", "noRecordings")
	r := recordings(t, s, q("state", "processing"))
	if len(r.Recordings) != 1 || len(r.Recordings[0].Formats) != 0 {
		t.Fatalf("processing recording: %+v", r)
	}
	clock.Advance(time.Minute)
	r = recordings(t, s, "")
	if len(r.Recordings) != 1 || r.Recordings[0].State != "published" {
		t.Fatalf("after the publish delay: %+v", r)
	}
	rec := r.Recordings[0]
	if len(rec.Formats) != 1 || rec.Formats[0].Type != "presentation" || len(rec.Formats[0].Images) != 3 ||
		!strings.Contains(rec.Formats[0].URL, rec.RecordID) {
		t.Errorf("playback: %+v", rec.Formats)
	}
	if !bytes.Contains(rec.Meta.Inner, []byte("<course>physics</course>")) || !bytes.Contains(rec.Meta.Inner, []byte("<meetingId>rec-1</meetingId>")) {
		t.Errorf("metadata: %s", rec.Meta.Inner)
	}
	id := rec.RecordID

	// unpublish, publish, update, delete
	a := get(t, s, "publishRecordings", q("recordID", id, "publish", "false"))
	expectKey(t, a, "SUCCESS", "")
	if xmlField(t, a.body, "published") != "false" || s.Recordings()[0].State != StateUnpublished {
		t.Errorf("unpublish: %s %+v", a.body, s.Recordings())
	}
	expectKey(t, get(t, s, "publishRecordings", q("recordID", id, "publish", "true")), "SUCCESS", "")
	expectKey(t, get(t, s, "publishRecordings", q("recordID", id)), "FAILED", "missingParamPublish")
	expectKey(t, get(t, s, "publishRecordings", q("publish", "true")), "FAILED", "missingParamRecordID")
	expectKey(t, get(t, s, "publishRecordings", q("recordID", "nope", "publish", "true")), "FAILED", "notFound")
	expectKey(t, get(t, s, "updateRecordings", q("recordID", id, "meta_course", "", "meta_Term", "spring")), "SUCCESS", "")
	if m := s.Recordings()[0].Metadata; m["course"] != "" || m["term"] != "spring" {
		t.Errorf("update: %v", m)
	}
	expectKey(t, get(t, s, "updateRecordings", q("recordID", "nope")), "FAILED", "notFound")
	a = get(t, s, "deleteRecordings", q("recordID", id))
	expectKey(t, a, "SUCCESS", "")
	if xmlField(t, a.body, "deleted") != "true" {
		t.Errorf("delete: %s", a.body)
	}
	expectKey(t, get(t, s, "getRecordings", ""), "SUCCESS", "noRecordings")
	if r := recordings(t, s, q("state", "deleted")); len(r.Recordings) != 1 {
		t.Errorf("deleted recording not listed with state=deleted")
	}
	expectKey(t, get(t, s, "deleteRecordings", q("recordID", id)), "FAILED", "notFound")
}

func TestGetRecordingsFilters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 7 {
		spec := RecordingSpec{MeetingID: "room-" + strconv.Itoa(i%3), Start: base.Add(time.Duration(i) * time.Hour), Metadata: map[string]string{"parity": strconv.Itoa(i % 2)}}
		if i == 6 {
			spec.State = StateUnpublished
		}
		id, err := s.AddRecording(spec)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := s.AddRecording(RecordingSpec{MeetingID: "room-0", State: StateProcessing, Start: base.Add(10 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query string
		want  []int // indexes into ids
		total string
	}{
		{"default states", "", []int{0, 1, 2, 3, 4, 5, 6}, ""},
		{"meeting list", q("meetingID", "room-1,room-2"), []int{1, 2, 4, 5}, ""},
		{"record ID exact", q("recordID", ids[3]), []int{3}, ""},
		{"record ID prefix", q("recordID", ids[0][:40]), []int{0, 3, 6}, ""},
		{"state", q("state", "unpublished"), []int{6}, ""},
		{"meta", q("meta_parity", "1"), []int{1, 3, 5}, ""},
		{"meta and meeting", q("meta_parity", "0", "meetingID", "room-0"), []int{0, 6}, ""},
		{"first page", q("limit", "3"), []int{0, 1, 2}, "7"},
		{"second page", q("offset", "3", "limit", "3"), []int{3, 4, 5}, "7"},
		{"last page", q("offset", "6", "limit", "3"), []int{6}, "7"},
		{"past the end", q("offset", "9", "limit", "3"), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := recordings(t, s, tc.query)
			var got []string
			for _, rec := range r.Recordings {
				got = append(got, rec.RecordID)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, ids[i])
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
			if r.Total != tc.total {
				t.Errorf("totalElements %q, want %q", r.Total, tc.total)
			}
			if len(want) == 0 && r.MessageKey != "noRecordings" {
				t.Errorf("empty answer has messageKey %q", r.MessageKey)
			}
		})
	}
	if r := recordings(t, s, q("state", "any")); len(r.Recordings) != 8 {
		t.Errorf("state=any lists %d", len(r.Recordings))
	}
	expectKey(t, get(t, s, "getRecordings", q("limit", "0")), "FAILED", "validationError")
	expectKey(t, get(t, s, "getRecordings", q("offset", "-1")), "FAILED", "validationError")
	expectKey(t, get(t, s, "getRecordings", q("state", "weird")), "FAILED", "validationError")
}

func TestTextTracks(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id, err := s.AddRecording(RecordingSpec{MeetingID: "tracks"})
	if err != nil {
		t.Fatal(err)
	}
	upload := func(query string, file []byte) map[string]string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "t.vtt")
			_, _ = fw.Write(file)
		}
		_ = mw.Close()
		a := post(t, s, "putRecordingTextTrack", query, mw.FormDataContentType(), body.Bytes())
		var out struct{ Response map[string]string }
		if err := json.Unmarshal(a.body, &out); err != nil {
			t.Fatalf("%v: %s", err, a.body)
		}
		return out.Response
	}
	vtt := []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")
	for _, tc := range []struct {
		name, query string
		file        []byte
		key, rc     string
	}{
		{"ok", q("recordID", id, "kind", "subtitles", "lang", "en-US", "label", "English"), vtt, "upload_text_track_success", "SUCCESS"},
		{"replace", q("recordID", id, "kind", "subtitles", "lang", "en-US"), vtt, "upload_text_track_success", "SUCCESS"},
		{"second", q("recordID", id, "kind", "captions", "lang", "de"), vtt, "upload_text_track_success", "SUCCESS"},
		{"bad kind", q("recordID", id, "kind", "chapters", "lang", "en"), vtt, "invalidKind", "FAILED"},
		{"bad lang", q("recordID", id, "kind", "subtitles", "lang", "en_US!"), vtt, "invalidLang", "FAILED"},
		{"missing lang", q("recordID", id, "kind", "subtitles"), vtt, "paramError", "FAILED"},
		{"empty file", q("recordID", id, "kind", "subtitles", "lang", "fr"), nil, "empty_uploaded_text_track", "FAILED"},
		{"unknown recording", q("recordID", "nope", "kind", "subtitles", "lang", "fr"), vtt, "noRecordings", "FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(tc.query, tc.file)
			if r["messageKey"] != tc.key || r["returncode"] != tc.rc {
				t.Errorf("got %v", r)
			}
		})
	}
	a := get(t, s, "getRecordingTextTracks", q("recordID", id))
	var out struct {
		Response struct {
			ReturnCode string      `json:"returncode"`
			Tracks     []TextTrack `json:"tracks"`
		} `json:"response"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || len(out.Response.Tracks) != 2 {
		t.Fatalf("tracks: %v %s", err, a.body)
	}
	if tr := out.Response.Tracks[0]; tr.Kind != "subtitles" || tr.Lang != "en-US" || tr.Label != "en-US" || tr.Source != "upload" {
		t.Errorf("replaced track %+v", tr)
	}
	a = get(t, s, "getRecordingTextTracks", q("recordID", "nope"))
	if !bytes.Contains(a.body, []byte(`"messageKey":"noRecordings"`)) || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown recording: %s", a.body)
	}
	// putRecordingTextTrack needs multipart.
	a = post(t, s, "putRecordingTextTrack", q("recordID", id, "kind", "subtitles", "lang", "en"), "text/vtt", vtt)
	if a.status != http.StatusOK || !bytes.Contains(a.body, []byte("unsupportedContentType")) {
		t.Errorf("non-multipart upload: %d %s", a.status, a.body)
	}
}

func TestEmptyMeetingTimeoutAndDuration(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(clock.Now), WithEmptyMeetingTimeout(2*time.Minute))
	expectKey(t, get(t, s, "create", q("name", "Empty", "meetingID", "empty")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Short", "meetingID", "short", "duration", "5")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Quick", "meetingID", "quick", "meetingExpireWhenLastUserLeftInMinutes", "0")), "SUCCESS", "")
	for _, id := range []string{"empty", "quick"} {
		ju, err := s.Join(id, User{FullName: "A"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Leave(id, ju.UserID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Leave("empty", "nobody"); err == nil {
		t.Error("leaving an unknown user succeeded")
	}
	clock.Advance(time.Minute)
	if _, ok := s.Meeting("empty"); !ok {
		t.Fatal("meeting ended before the empty timeout")
	}
	// A rejoin cancels the timer.
	ju, _ := s.Join("empty", User{FullName: "B"})
	clock.Advance(5 * time.Minute)
	if _, ok := s.Meeting("empty"); !ok {
		t.Fatal("meeting with a user ended")
	}
	if _, ok := s.Meeting("short"); ok {
		t.Error("meeting outlived its duration")
	}
	if _, ok := s.Meeting("quick"); !ok {
		t.Error("meetingExpireWhenLastUserLeftInMinutes=0 should keep the meeting")
	}
	_ = s.Leave("empty", ju.UserID)
	clock.Advance(2 * time.Minute)
	if _, ok := s.Meeting("empty"); ok {
		t.Error("meeting did not end after the empty timeout")
	}
}
