package bbbtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func control(t *testing.T, s *Server, method, op string, form url.Values, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+"/bbbtest/"+op, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	a := do(t, s, req)
	var out map[string]any
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatalf("%s: %v %s", op, err, a.body)
	}
	return a.status, out
}

func TestControlEndpoints(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(clock.Now), WithPublishDelay(time.Hour))
	if st, _ := control(t, s, http.MethodPost, "join", nil, ""); st != http.StatusUnauthorized {
		t.Errorf("no secret: %d", st)
	}
	if st, _ := control(t, s, http.MethodPost, "join", nil, s.Secret+"x"); st != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", st)
	}
	expectKey(t, get(t, s, "create", q("name", "Ctl", "meetingID", "ctl", "record", "true")), "SUCCESS", "")
	st, out := control(t, s, http.MethodPost, "join", url.Values{"meetingID": {"ctl"}, "fullName": {"Zoe"}, "role": {"MODERATOR"}, "userID": {"zoe"}, "video": {"true"}, "userdata-bbb_k": {"v"}}, s.Secret)
	if st != 200 || out["userID"] != "zoe" || out["sessionToken"] == "" {
		t.Fatalf("join: %d %v", st, out)
	}
	if m, _ := s.Meeting("ctl"); len(m.Attendees) != 1 || !m.Attendees[0].Video || m.Attendees[0].CustomData["bbb_k"] != "v" {
		t.Errorf("after control join: %+v", m.Attendees)
	}
	if st, out := control(t, s, http.MethodPost, "join", url.Values{"meetingID": {"nope"}, "fullName": {"Zoe"}}, s.Secret); st != 404 || out["messageKey"] != "notFound" {
		t.Errorf("join unknown: %d %v", st, out)
	}
	if st, _ := control(t, s, http.MethodPost, "leave", url.Values{"meetingID": {"ctl"}, "userID": {"nobody"}}, s.Secret); st != 404 {
		t.Errorf("leave unknown user: %d", st)
	}
	if st, _ := control(t, s, http.MethodPost, "end", url.Values{"meetingID": {"ctl"}}, s.Secret); st != 200 {
		t.Errorf("end: %d", st)
	}
	if st, out := control(t, s, http.MethodPost, "advance", url.Values{"duration": {"30m"}}, s.Secret); st != 200 || out["now"] != "2026-01-01T00:30:00Z" {
		t.Errorf("advance: %d %v", st, out)
	}
	if s.Recordings()[0].State != StateProcessing {
		t.Error("recording published too early")
	}
	if st, out := control(t, s, http.MethodPost, "process-recordings", nil, s.Secret); st != 200 || out["published"] != float64(1) {
		t.Errorf("process-recordings: %d %v", st, out)
	}
	if st, _ := control(t, s, http.MethodPost, "fault", url.Values{"call": {"getMeetings"}, "key": {"boom"}, "message": {"x"}}, s.Secret); st != 200 {
		t.Errorf("fault: %d", st)
	}
	expectKey(t, get(t, s, "getMeetings", ""), "FAILED", "boom")
	if st, _ := control(t, s, http.MethodPost, "fault", url.Values{"call": {"getMeetings"}, "status": {"999"}}, s.Secret); st != 400 {
		t.Errorf("bad fault: %d", st)
	}
	control(t, s, http.MethodPost, "down", nil, s.Secret)
	if resp, err := s.Client().Get(s.APIURL()); err == nil {
		resp.Body.Close()
		t.Error("API answered while down")
	}
	control(t, s, http.MethodPost, "up", nil, s.Secret)
	st, out = control(t, s, http.MethodGet, "state", nil, s.Secret)
	if recs, _ := out["recordings"].([]any); st != 200 || len(recs) != 1 || recs[0].(map[string]any)["meetingID"] != "ctl" {
		t.Errorf("state: %d %v", st, out)
	}
	control(t, s, http.MethodPost, "reset", nil, s.Secret)
	if len(s.Recordings()) != 0 {
		t.Error("reset kept recordings")
	}
	if st, _ := control(t, s, http.MethodPost, "nope", nil, s.Secret); st != 404 {
		t.Errorf("unknown op: %d", st)
	}
	if st, _ := control(t, s, http.MethodGet, "join", nil, s.Secret); st != 405 {
		t.Errorf("GET join: %d", st)
	}
	wall := newTestServer(t, WithPublishDelay(time.Hour))
	if st, _ := control(t, wall, http.MethodPost, "advance", url.Values{"duration": {"-1s"}}, wall.Secret); st != http.StatusBadRequest {
		t.Errorf("advance by a negative duration: %d", st)
	}
	recordMeeting(t, wall, "wall", nil)
	if st, _ := control(t, wall, http.MethodPost, "advance", url.Values{"duration": {"1h"}}, wall.Secret); st != http.StatusOK {
		t.Errorf("advance on the wall clock: %d", st)
	}
	if recs := wall.Recordings(); len(recs) != 1 || recs[0].State != StatePublished {
		t.Errorf("advance on the wall clock did not publish: %+v", recs)
	}
	off := newTestServer(t, WithoutControlEndpoints())
	req, _ := http.NewRequest(http.MethodGet, off.URL+"/bbbtest/state", nil)
	req.Header.Set("Authorization", "Bearer "+off.Secret)
	if a := do(t, off, req); a.status != 404 {
		t.Errorf("disabled control endpoints answered %d", a.status)
	}
}
