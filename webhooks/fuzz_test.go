package webhooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/webhooks"
)

func addFixtureSeeds(f *testing.F, wrap func(string) string) {
	for _, dir := range []string{"mapped", "raw"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add([]byte(wrap(strings.TrimSpace(string(b)))))
		}
	}
}

// FuzzParseDelivery feeds arbitrary bodies to the form and event decoder:
// it must never panic, must return a *DecodeError on failure, and on
// success every event must hold valid JSON and agree with url.ParseQuery
// about the fields.
func FuzzParseDelivery(f *testing.F) {
	addFixtureSeeds(f, func(ev string) string { return deliveryBody(ev, testTS) })
	for _, s := range []string{"", "event=", "event=%", "event=%5B%5D", "a=b&&event=%5B%7B%7D%5D&timestamp=1",
		"event=[{}]&event=[{}]", "event=%5B%7B%22data%22%3A%7B%22id%22%3A%22x%22%7D%7D%5D&timestamp=99999999999999999999",
		"event=+%5B+%7B%7D+%5D+&domain=a+b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := webhooks.ParseDelivery(body)
		if err != nil {
			var de *webhooks.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, webhooks.ErrMalformed) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(d.Events) == 0 {
			t.Fatal("success without events")
		}
		for i, e := range d.Events {
			if !json.Valid(e.JSON) {
				t.Fatalf("event %d: JSON not valid", i)
			}
			if e.Raw == (e.Attributes != nil) || e.Raw == (e.Message == nil) {
				t.Fatalf("event %d: raw=%v but attributes=%v message=%v", i, e.Raw, e.Attributes != nil, e.Message != nil)
			}
		}
		// Where the standard library can parse the form too, both must agree.
		if q, err := url.ParseQuery(string(body)); err == nil && len(q["domain"]) <= 1 {
			if got := q.Get("domain"); got != d.Domain {
				t.Fatalf("domain %q, url.ParseQuery says %q", d.Domain, got)
			}
		}
	})
}

// FuzzParseEvents feeds arbitrary JSON to the event decoder.
func FuzzParseEvents(f *testing.F) {
	addFixtureSeeds(f, func(ev string) string { return "[" + ev + "]" })
	for _, s := range []string{"[]", "[{}]", "[1]", "{}", `[{"data":null}]`, `[{"data":{"id":""}}]`,
		`[{"data":{"id":"a","attributes":{"user":[],"meeting":7}}}]`, `[{"envelope":{"name":5}}]`,
		`[{"core":{"body":{"props":{"meetingProp":"x"}}}}]`, `[{"header":{"current_time":"1e400"}}]`,
		`[{"data":{"id":"x","attributes":{"meeting":{"moderator-pass":"a","viewer-pass":[1,{"b":2}]},"user":{"session-token":{"t":[]},"n":[{"authToken":null}]}}}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := webhooks.ParseEvents(data)
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformed) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatal("accepted invalid JSON")
		}
		for _, e := range evs {
			if len(e.JSON) == 0 || e.JSON[0] != '{' {
				t.Fatal("event JSON is not an object")
			}
			if !e.Raw && e.Type == "" {
				t.Fatal("mapped event without a type")
			}
			red := e.RedactedJSON()
			var v any
			dec := json.NewDecoder(bytes.NewReader(red))
			dec.UseNumber() // valid JSON numbers may overflow float64
			if err := dec.Decode(&v); err != nil || !json.Valid(red) {
				t.Fatalf("redacted JSON not valid: %s", red)
			}
			if k := leakedSecret(v); k != "" {
				t.Fatalf("%s not redacted in %s", k, red)
			}
		}
	})
}

// leakedSecret returns a credential key whose value is not redacted.
func leakedSecret(v any) string {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "moderator-pass", "viewer-pass", "session-token", "moderatorPass", "viewerPass",
				"learningDashboardAccessToken", "authToken", "sessionToken":
				if val != webhooks.Redacted {
					return k
				}
			}
			if s := leakedSecret(val); s != "" {
				return s
			}
		}
	case []any:
		for _, val := range x {
			if s := leakedSecret(val); s != "" {
				return s
			}
		}
	}
	return ""
}
