package scalelite

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeAnswer feeds arbitrary answers to the response classifier: it
// must never panic, and every failure must be one of the package's types.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(200, "application/json", []byte(`[`+serverJSON+`]`))
	f.Add(200, "application/xml", []byte(`<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>x</message></response>`))
	f.Add(404, "application/json", []byte(`{"error":"Couldn't find server with id=x"}`))
	f.Add(412, "application/json", []byte(`{"message":"Multitenancy is disabled"}`))
	f.Add(400, "application/json", []byte(`{"error":["a","b"]}`))
	f.Add(502, "text/html", []byte(`<html><body>bad gateway</body></html>`))
	f.Add(200, "", []byte(``))
	f.Add(201, "application/json", []byte(`{"tenant":{"id":"t","name":"n","secrets":"a:b"}}`))
	f.Add(200, "application/json; charset=\x00", []byte(`[{"id":"a","load":"1e400"}]`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		var servers []Server
		err := decodeAnswer("getServers", status, contentType, body, &servers)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d accepted", status)
			}
			for _, s := range servers {
				if s.ID == "" || (s.State != "" && !s.State.Valid()) {
					t.Fatalf("accepted invalid server %v", s)
				}
			}
			return
		}
		var (
			e  *Error
			he *HTTPError
			de *DecodeError
		)
		if !errors.As(err, &e) && !errors.As(err, &he) && !errors.As(err, &de) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		_ = err.Error()
	})
}

// FuzzServerJSON checks that any server object the decoder accepts survives
// a round trip through MarshalJSON.
func FuzzServerJSON(f *testing.F) {
	f.Add([]byte(serverJSON))
	f.Add([]byte(`{"id":"x","load":12.5,"load_multiplier":"2.0","online":true,"state":"cordoned"}`))
	f.Add([]byte(`{"id":"x","load":"unavailable","online":"offline"}`))
	f.Add([]byte(`{"id":"x","load":"3","load_multiplier":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Server
		if err := json.Unmarshal(b, &s); err != nil {
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal of decoded server: %v", err)
		}
		var back Server
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if s.LoadMultiplier == 0 {
			s.LoadMultiplier = 1 // written as 1
		}
		if back != s {
			t.Fatalf("round trip changed %#v into %#v", s, back)
		}
		noSecret := s
		noSecret.Secret = ""
		if s.String() != noSecret.String() || s.GoString() != noSecret.GoString() {
			t.Fatalf("String depends on the secret")
		}
	})
}

// FuzzTenantJSON checks the tenant decoder on arbitrary input: no panic,
// no empty secret, and a stable round trip.
func FuzzTenantJSON(f *testing.F) {
	f.Add([]byte(`{"id":"t","name":"n","secrets":"a:b"}`))
	f.Add([]byte(`{"id":"t","name":"n","secrets":["a","b"]}`))
	f.Add([]byte(`{"id":"t","secrets":"::"}`))
	f.Add([]byte(`{"id":"t","secrets":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tn Tenant
		if err := json.Unmarshal(b, &tn); err != nil {
			return
		}
		for _, s := range tn.Secrets {
			if s == "" {
				t.Fatalf("empty secret decoded from %q", b)
			}
		}
		out, err := json.Marshal(tn)
		if err != nil {
			t.Fatal(err)
		}
		var back Tenant
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if strings.Join(back.Secrets, ":") != strings.Join(tn.Secrets, ":") || back.ID != tn.ID || back.Name != tn.Name {
			t.Fatalf("round trip changed %v into %v", tn, back)
		}
	})
}

// FuzzLoad checks the load decoder: it accepts only finite numbers and
// "unavailable", and a decoded load re-encodes to the same value.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{`12`, `"12.5"`, `"unavailable"`, `null`, `""`, `"NaN"`, `1e999`, `-0`, `"  7 "`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Load
		if err := json.Unmarshal(b, &l); err != nil {
			return
		}
		out, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("marshal %v: %v", l, err)
		}
		var back Load
		if err := json.Unmarshal(out, &back); err != nil || back != l {
			t.Fatalf("round trip %v -> %s -> %v (%v)", l, out, back, err)
		}
	})
}
