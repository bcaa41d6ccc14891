package bbbtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Meeting callbacks that bbb-web itself sends (not bbb-webhooks):
//
//   - meta_endCallbackUrl (and the meetingEndedURL parameter): when the
//     meeting ends, a GET to the URL with meetingID=<external ID> and
//     recordingmarks=<true|false> appended;
//   - meta_bbb-recording-ready-url: when a recording is published, a POST
//     with the form field signed_parameters, a JWT (HS256, signed with the
//     shared secret) whose payload carries meeting_id and record_id.
//
// Both are tried once, like bbb-web does, and their outcome is logged in
// Deliveries with the event IDs "end-callback" and "recording-ready".

// endCallbackURLs returns the URLs to call when m ends.
func endCallbackURLs(m *meeting) []string {
	var out []string
	for _, u := range []string{m.meta["endcallbackurl"], m.meetingEndedURL} {
		if u != "" && !containsString(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// startCallbackLocked runs f in the background unless the server is closed.
// Callers hold s.mu.
func (s *Server) startCallbackLocked(f func()) {
	if s.closed {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

func (s *Server) sendEndCallbackLocked(m *meeting) {
	marks := strconv.FormatBool(m.record && m.hasUserJoined)
	for _, cb := range endCallbackURLs(m) {
		sep := "?"
		if strings.Contains(cb, "?") {
			sep = "&"
		}
		target := cb + sep + "meetingID=" + url.QueryEscape(m.extID) + "&recordingmarks=" + marks
		s.startCallbackLocked(func() {
			s.logDelivery(s.callback(http.MethodGet, cb, target, nil, "end-callback"))
		})
	}
}

func (s *Server) sendRecordingReadyLocked(r *recording) {
	cb := r.meta["bbb-recording-ready-url"]
	if cb == "" {
		return
	}
	token := signHS256(appendJSON(nil, obj{{"meeting_id", r.extMeetingID}, {"record_id", r.id}}), s.Secret)
	body := []byte("signed_parameters=" + token)
	s.startCallbackLocked(func() {
		s.logDelivery(s.callback(http.MethodPost, cb, cb, body, "recording-ready"))
	})
}

// signHS256 makes a compact JWT with the HS256 algorithm.
func signHS256(payload []byte, secret string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func (s *Server) callback(method, registered, target string, body []byte, id string) Delivery {
	d := Delivery{CallbackURL: registered, EventID: id}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.hookTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, wireURL(target), rd)
	if err != nil {
		d.Err = "invalid callback URL"
		return d
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	status, err := s.sendHook(req)
	if err != nil {
		d.Err = transportReason(err)
		return d
	}
	d.StatusCode = status
	d.Delivered = status >= 200 && status < 300
	return d
}
