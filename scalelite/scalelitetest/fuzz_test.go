package scalelitetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzAdminBody posts arbitrary JSON bodies, correctly signed, to every POST
// action: the fake must never panic and must answer JSON with a known
// status.
func FuzzAdminBody(f *testing.F) {
	f.Add("addServer", []byte(`{"server":{"url":"http://127.0.0.1:1/bigbluebutton/api","secret":"x","load_multiplier":"2","tag":"a"}}`))
	f.Add("updateServer", []byte(`{"id":"x","server":{"state":"cordon","load_multiplier":0}}`))
	f.Add("panicServer", []byte(`{"id":"x","keep_state":"true"}`))
	f.Add("addTenant", []byte(`{"tenant":{"name":"t1","secrets":"a::b"}}`))
	f.Add("updateTenant", []byte(`{"id":"x","tenant":{"name":""}}`))
	f.Add("deleteTenant", []byte(`{"id":7}`))
	f.Add("addServer", []byte(`{"server":{"url":"http://h/x","secret":"s","load_multiplier":1e999}}`))
	// No network: the poller's lister and the forwarding client refuse
	// everything, whatever URL the fuzzer invents.
	offline := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
		return nil, errors.New("offline")
	})
	sched, err := scheduler.New(scheduler.WithMeetingLister(offline))
	if err != nil {
		f.Fatal(err)
	}
	noNet := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") })}
	h, err := NewHandler(WithSecret("fuzz-secret"), WithMultitenancy(), WithScheduler(sched), WithHTTPClient(noNet))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, action string, body []byte) {
		if adminActions[action] != http.MethodPost {
			return
		}
		sum := checksum.Sum(checksum.SHA256, action, "", "fuzz-secret")
		req := httptest.NewRequest(http.MethodPost, "/scalelite/api/"+action+"?checksum="+sum, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 201, 400, 404, 422:
		default:
			t.Fatalf("%s %q: status %d: %s", action, body, rec.Code, rec.Body.String())
		}
		if len(bytes.TrimSpace(body)) > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: answer is not JSON: %s", action, rec.Body.String())
		}
	})
}

// FuzzParseNumber checks the lenient number decoder used for
// load_multiplier: finite values only, never a panic.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{`1`, `"2.5"`, `""`, `null`, `"NaN"`, `1e400`, `"-1"`, `true`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, present, err := parseNumber(raw)
		if err == nil && present && (v != v || v > 1e300 || v < -1e300) {
			t.Fatalf("accepted %v from %q", v, raw)
		}
		if !present && v != 0 {
			t.Fatalf("absent value %v", v)
		}
		_, _ = parseBool(raw)
	})
}
