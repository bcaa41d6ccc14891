package greenlight

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		codes   []string
		data    string
		wantErr bool
	}{
		{"data only", `{"data":{"id":"1"}}`, nil, `{"id":"1"}`, false},
		{"string error", `{"errors":"EmailAlreadyExists"}`, []string{"EmailAlreadyExists"}, "", false},
		{"array errors", `{"data":null,"errors":["a","b"]}`, []string{"a", "b"}, "null", false},
		{"empty errors", `{"errors":[]}`, nil, "", false},
		{"hash errors sorted", `{"errors":{"b":["x"],"a":"y"}}`, []string{"a y", "b x"}, "", false},
		{"mixed array", `{"errors":[1,true,null,{"k":"v"}]}`, []string{"1", "true", `{"k":"v"}`}, "", false},
		{"not an object", `[1,2]`, nil, "", true},
		{"trailing data", `{"data":1} {"data":2}`, nil, "", true},
		{"truncated", `{"data":`, nil, "", true},
		{"bad errors", `{"errors":}`, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, codes, err := decodeEnvelope([]byte(tt.body))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decodeEnvelope(%q) = nil error; want an error", tt.body)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeEnvelope(%q): %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.codes, codes); diff != "" {
				t.Errorf("decodeEnvelope(%q) codes mismatch (-want +got):\n%s", tt.body, diff)
			}
			if got := string(env.Data); got != tt.data {
				t.Errorf("decodeEnvelope(%q) data = %q; want %q", tt.body, got, tt.data)
			}
		})
	}
}

func TestErrorCodesAreBounded(t *testing.T) {
	t.Parallel()
	many := `{"errors":[` + strings.Repeat(`"`+strings.Repeat("x", 1000)+`",`, 100) + `"y"]}`
	_, codes, err := decodeEnvelope([]byte(many))
	if err != nil {
		t.Fatalf("decodeEnvelope(many): %v", err)
	}
	if len(codes) != maxErrorCodes {
		t.Errorf("len(codes) = %d; want %d", len(codes), maxErrorCodes)
	}
	for _, c := range codes {
		if limit := maxErrorCodeLen + len("…"); len(c) > limit {
			t.Errorf("len(code) = %d; want <= %d", len(c), limit)
		}
	}
}

func TestDecodePage(t *testing.T) {
	t.Parallel()
	env, _, err := decodeEnvelope([]byte(`{"data":[],"meta":{"page":2,"pages":3,"count":7,"items":3,"next":3,"prev":1,"vars":{}}}`))
	if err != nil {
		t.Fatalf("decodeEnvelope: %v", err)
	}
	p, err := env.decodePage()
	if err != nil {
		t.Fatalf("decodePage(): %v", err)
	}
	if diff := cmp.Diff(Page{Page: 2, Pages: 3, Count: 7, Items: 3, Next: 3, Prev: 1}, p); diff != "" {
		t.Errorf("decodePage() mismatch (-want +got):\n%s", diff)
	}
	env, _, err = decodeEnvelope([]byte(`{"data":[],"meta":{"page":"two"}}`))
	if err != nil {
		t.Fatalf("decodeEnvelope: %v", err)
	}
	if _, err = env.decodePage(); err == nil {
		t.Fatal(`decodePage() with "page":"two" = nil error; want an error`)
	}
}

func TestParseCSRFMeta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, want string
		ok               bool
	}{
		{"rails", `<head><meta name="csrf-param" content="authenticity_token" />` + "\n" + `<meta name="csrf-token" content="abc+/=" /></head>`, "abc+/=", true},
		{"attribute order and case", `<META CONTENT='t0k' NAME='CSRF-Token'>`, "t0k", true},
		{"escaped", `<meta name="csrf-token" content="a&amp;b">`, "a&b", true},
		{"unquoted", `<meta name=csrf-token content=tok>`, "tok", true},
		{"missing", `<meta name="viewport" content="width=device-width">`, "", false},
		{"empty content", `<meta name="csrf-token" content="">`, "", false},
		{"unterminated", `<meta name="csrf-token" content="abc`, "", false},
		{"non-ascii before", "\xff\xfe<meta name=\"csrf-token\" content=\"x1\">", "x1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseCSRFMeta([]byte(tt.page))
			if ok != tt.ok {
				t.Errorf("parseCSRFMeta(%q) ok = %v; want %v", tt.page, ok, tt.ok)
			}
			if got != tt.want {
				t.Errorf("parseCSRFMeta(%q) = %q; want %q", tt.page, got, tt.want)
			}
		})
	}
}

func TestFriendlyIDFromCreate(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`"/rooms/abc-def-ghi-jkl"`:          "abc-def-ghi-jkl",
		`"abc-def-ghi-jkl"`:                 "abc-def-ghi-jkl",
		`{"friendly_id":"abc-def-ghi-jkl"}`: "abc-def-ghi-jkl",
		`{}`:                                "",
		`"/rooms/../etc"`:                   "",
		`{"friendly_id":"ABC-DEF-GHI-JKL"}`: "",
		`null`:                              "",
	}
	for in, want := range tests {
		if got := friendlyIDFromCreate(json.RawMessage(in)); got != want {
			t.Errorf("friendlyIDFromCreate(%s) = %q; want %q", in, got, want)
		}
	}
}

// FuzzDecodeEnvelope checks that any body decodes or fails without panic,
// and that the error codes stay bounded.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"data":{"id":"1"}}`, `{"errors":"X"}`, `{"errors":["a",1,{"b":2}]}`, `{"errors":{"name":["blank"]}}`,
		`{"data":[],"meta":{"page":1,"next":null}}`, `[]`, `null`, `{"data":"/rooms/abc-def-ghi-jkl"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, codes, err := decodeEnvelope(body)
		if err != nil {
			return
		}
		if len(codes) > maxErrorCodes {
			t.Fatalf("%d codes", len(codes))
		}
		_, _ = env.decodePage()
		var anyData any
		_ = env.decodeData(&anyData)
		_ = friendlyIDFromCreate(env.Data)
		var rooms []Room
		_ = env.decodeData(&rooms)
	})
}

// FuzzParseCSRFMeta checks the page scraper on arbitrary HTML.
func FuzzParseCSRFMeta(f *testing.F) {
	f.Add([]byte(`<meta name="csrf-token" content="abc" />`))
	f.Add([]byte(`<META content=x name=csrf-token>`))
	f.Add([]byte(`<meta`))
	f.Fuzz(func(t *testing.T, page []byte) {
		tok, ok := parseCSRFMeta(page)
		if ok && (tok == "" || len(tok) > maxCSRFTokenLen || strings.ContainsAny(tok, " \"'<>")) {
			t.Fatalf("bad token %q", tok)
		}
		if !ok && tok != "" {
			t.Fatal("token without ok")
		}
	})
}
