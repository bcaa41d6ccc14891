package bbbtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestMeetingEndAndRecordingReadyCallbacks(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	s := newTestServer(t)
	expectKey(t, get(t, s, "create", q("name", "Callbacks", "meetingID", "cb-1", "record", "true",
		"meta_endCallbackUrl", rcv.URL+"/ended?room=1", "meta_bbb-recording-ready-url", rcv.URL+"/ready",
		"meetingEndedURL", rcv.URL+"/lb")), "SUCCESS", "")
	if _, err := s.Join("cb-1", User{FullName: "A"}); err != nil {
		t.Fatal(err)
	}
	expectKey(t, get(t, s, "end", q("meetingID", "cb-1")), "SUCCESS", "sentEndMeetingRequest")
	waitFor(t, "three callbacks", func() bool { return len(rcv.deliveries()) == 3 })
	byPath := map[string]delivery{}
	for _, d := range rcv.deliveries() {
		byPath[d.path] = d
	}
	if d := byPath["/ended"]; d.rawQuery != "room=1&meetingID=cb-1&recordingmarks=true" {
		t.Errorf("end callback query %q", d.rawQuery)
	}
	if d := byPath["/lb"]; d.rawQuery != "meetingID=cb-1&recordingmarks=true" {
		t.Errorf("meetingEndedURL query %q", d.rawQuery)
	}
	d := byPath["/ready"]
	form, err := url.ParseQuery(string(d.body))
	if err != nil || d.contentType != "application/x-www-form-urlencoded" {
		t.Fatalf("recording ready: %v %q", err, d.contentType)
	}
	parts := strings.Split(form.Get("signed_parameters"), ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", form.Get("signed_parameters"))
	}
	mac := hmac.New(sha256.New, []byte(s.Secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) != parts[2] {
		t.Error("JWT signature does not verify with the shared secret")
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]string
	if err := json.Unmarshal(payload, &claims); err != nil || claims["meeting_id"] != "cb-1" || claims["record_id"] != s.Recordings()[0].RecordID {
		t.Errorf("claims %s: %v", payload, err)
	}
	waitFor(t, "delivery log", func() bool { return len(s.Deliveries()) == 3 })
	for _, d := range s.Deliveries() {
		if !d.Delivered || (d.EventID != "end-callback" && d.EventID != "recording-ready") {
			t.Errorf("delivery %+v", d)
		}
	}
}
