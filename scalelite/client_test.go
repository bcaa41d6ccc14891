package scalelite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testSecret = "balancer-secret-0123456789"

// recorded is what the test handler saw.
type recorded struct {
	method, path, rawQuery, contentType string
	body                                []byte
}

// adminServer answers every request with status and body after checking the
// checksum with the balancer secret.
func adminServer(t *testing.T, status int, contentType, body string) (*Client, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*rec = recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), b}
		action := strings.TrimPrefix(r.URL.Path, "/scalelite/api/")
		if err := checksum.Verify(action, r.URL.RawQuery, testSecret, checksum.SHA256); err != nil {
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>You did not pass the checksum security check</message></response>`)
			return
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, testSecret)
	if err != nil {
		t.Fatalf("New(%q, testSecret): %v", srv.URL, err)
	}
	return c, rec
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("os.ReadFile(%q): %v", "testdata/"+name, err)
	}
	return string(b)
}

const serverJSON = `{"id":"s1","url":"https://bbb1.example.org/bigbluebutton/api","secret":"s1-secret","tag":"","bbb_version":"","state":"disabled","load":"unavailable","load_multiplier":"1.0","online":"offline"}`

func TestCallsSendWhatScaleliteExpects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		answer    string
		run       func(*Client) (any, error)
		method    string
		action    string
		query     string // the raw query without the checksum
		wantBody  string // JSON, compared semantically; "" for no body
		checkResp func(t *testing.T, v any)
	}{
		{
			name: "getServers", status: 200, answer: `[` + serverJSON + `]`,
			run:    func(c *Client) (any, error) { return c.GetServers(ctx) },
			method: "GET", action: "getServers",
			checkResp: func(t *testing.T, v any) {
				s := v.([]Server)
				if len(s) != 1 {
					t.Fatalf("GetServers() returned %d servers; want 1", len(s))
				}
				if s[0].ID != "s1" {
					t.Errorf("GetServers()[0].ID = %q; want %q", s[0].ID, "s1")
				}
				if s[0].State != StateDisabled {
					t.Errorf("GetServers()[0].State = %v; want %v", s[0].State, StateDisabled)
				}
				if s[0].Load.Known {
					t.Errorf("GetServers()[0].Load.Known = true; want false")
				}
			},
		},
		{
			name: "getServerInfo escapes the id", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.GetServerInfo(ctx, "bbb 1&x") },
			method: "GET", action: "getServerInfo", query: "id=bbb+1%26x",
			checkResp: func(t *testing.T, v any) {
				if got := v.(*Server).Secret; got != "s1-secret" {
					t.Errorf("GetServerInfo().Secret = %q; want %q", got, "s1-secret")
				}
			},
		},
		{
			name: "addServer", status: 201, answer: serverJSON,
			run: func(c *Client) (any, error) {
				return c.AddServer(ctx, &AddServerParams{URL: "https://bbb1.example.org/bigbluebutton/api", Secret: "s1-secret", LoadMultiplier: 2, Tag: "gpu"})
			},
			method: "POST", action: "addServer",
			wantBody: `{"server":{"url":"https://bbb1.example.org/bigbluebutton/api","secret":"s1-secret","load_multiplier":2,"tag":"gpu"}}`,
		},
		{
			name: "addServer minimal", status: 201, answer: serverJSON,
			run: func(c *Client) (any, error) {
				return c.AddServer(ctx, &AddServerParams{URL: "http://10.0.0.1/bigbluebutton/api", Secret: "x"})
			},
			method: "POST", action: "addServer",
			wantBody: `{"server":{"url":"http://10.0.0.1/bigbluebutton/api","secret":"x"}}`,
		},
		{
			name: "updateServer every field", status: 200, answer: serverJSON,
			run: func(c *Client) (any, error) {
				return c.UpdateServer(ctx, "s1", &UpdateServerParams{State: StateCordoned, LoadMultiplier: 1.5, Secret: "new-secret", Tag: new("gpu")})
			},
			method: "POST", action: "updateServer",
			wantBody: `{"id":"s1","server":{"state":"cordon","load_multiplier":1.5,"secret":"new-secret","tag":"gpu"}}`,
		},
		{
			name: "updateServer removes the tag", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.UpdateServer(ctx, "s1", &UpdateServerParams{Tag: new("")}) },
			method: "POST", action: "updateServer",
			wantBody: `{"id":"s1","server":{"tag":""}}`,
		},
		{
			name: "enableServer", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.EnableServer(ctx, "s1") },
			method: "POST", action: "updateServer", wantBody: `{"id":"s1","server":{"state":"enable"}}`,
		},
		{
			name: "cordonServer", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.CordonServer(ctx, "s1") },
			method: "POST", action: "updateServer", wantBody: `{"id":"s1","server":{"state":"cordon"}}`,
		},
		{
			name: "disableServer", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.DisableServer(ctx, "s1") },
			method: "POST", action: "updateServer", wantBody: `{"id":"s1","server":{"state":"disable"}}`,
		},
		{
			name: "deleteServer", status: 200, answer: `{"success":"Server id=s1 was destroyed"}`,
			run:    func(c *Client) (any, error) { return nil, c.DeleteServer(ctx, "s1") },
			method: "POST", action: "deleteServer", wantBody: `{"id":"s1"}`,
		},
		{
			name: "panicServer", status: 200, answer: `{"success":"Server id=s1 has been disabled and the meetings have been destroyed"}`,
			run:    func(c *Client) (any, error) { return nil, c.PanicServer(ctx, "s1", nil) },
			method: "POST", action: "panicServer", wantBody: `{"id":"s1"}`,
		},
		{
			name: "panicServer keep state", status: 200, answer: `{"success":"ok"}`,
			run: func(c *Client) (any, error) {
				return nil, c.PanicServer(ctx, "s1", &PanicServerParams{KeepState: true})
			},
			method: "POST", action: "panicServer", wantBody: `{"id":"s1","keep_state":true}`,
		},
		{
			name: "getTenants", status: 200, answer: `[{"id":"t1","name":"school1","secrets":"a1b2c3:d4e5f6"}]`,
			run:    func(c *Client) (any, error) { return c.GetTenants(ctx) },
			method: "GET", action: "getTenants",
			checkResp: func(t *testing.T, v any) {
				want := []Tenant{{ID: "t1", Name: "school1", Secrets: []string{"a1b2c3", "d4e5f6"}}}
				if diff := cmp.Diff(want, v.([]Tenant)); diff != "" {
					t.Errorf("GetTenants() mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "getTenants none", status: 200, answer: `{"message":"No tenants exist"}`,
			run:    func(c *Client) (any, error) { return c.GetTenants(ctx) },
			method: "GET", action: "getTenants",
			checkResp: func(t *testing.T, v any) {
				got := v.([]Tenant)
				if got == nil {
					t.Errorf("GetTenants() = nil; want an empty, non-nil slice")
				}
				if len(got) != 0 {
					t.Errorf("GetTenants() = %v; want empty", got)
				}
			},
		},
		{
			name: "getTenantInfo", status: 200, answer: `{"id":"t1","name":"school1","secrets":"a1b2c3","new_record":false,"destroyed":false}`,
			run:    func(c *Client) (any, error) { return c.GetTenantInfo(ctx, "t1") },
			method: "GET", action: "getTenantInfo", query: "id=t1",
			checkResp: func(t *testing.T, v any) {
				want := &Tenant{ID: "t1", Name: "school1", Secrets: []string{"a1b2c3"}}
				if diff := cmp.Diff(want, v.(*Tenant)); diff != "" {
					t.Errorf("GetTenantInfo() mismatch (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "addTenant", status: 201, answer: `{"tenant":{"id":"t9","name":"school9","secrets":"x1:y2"}}`,
			run: func(c *Client) (any, error) {
				return c.AddTenant(ctx, &AddTenantParams{Name: "school9", Secrets: []string{"x1", "y2"}})
			},
			method: "POST", action: "addTenant", wantBody: `{"tenant":{"name":"school9","secrets":"x1:y2"}}`,
			checkResp: func(t *testing.T, v any) {
				if got := v.(*Tenant).ID; got != "t9" {
					t.Errorf("AddTenant().ID = %q; want %q", got, "t9")
				}
			},
		},
		{
			name: "updateTenant name only", status: 200, answer: `{"tenant":{"id":"t9","name":"school10","secrets":"x1"}}`,
			run:    func(c *Client) (any, error) { return c.UpdateTenant(ctx, "t9", &UpdateTenantParams{Name: "school10"}) },
			method: "POST", action: "updateTenant", wantBody: `{"id":"t9","tenant":{"name":"school10"}}`,
			checkResp: func(t *testing.T, v any) {
				if got := v.(*Tenant).Name; got != "school10" {
					t.Errorf("UpdateTenant().Name = %q; want %q", got, "school10")
				}
			},
		},
		{
			name: "updateTenant secrets", status: 200, answer: `{"tenant":{"id":"t9","name":"school10","secrets":"z1"}}`,
			run: func(c *Client) (any, error) {
				return c.UpdateTenant(ctx, "t9", &UpdateTenantParams{Secrets: []string{"z1"}})
			},
			method: "POST", action: "updateTenant", wantBody: `{"id":"t9","tenant":{"secrets":"z1"}}`,
		},
		{
			name: "deleteTenant", status: 200, answer: `{"success":"Tenant id=t9 was destroyed"}`,
			run:    func(c *Client) (any, error) { return nil, c.DeleteTenant(ctx, "t9") },
			method: "POST", action: "deleteTenant", wantBody: `{"id":"t9"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, rec := adminServer(t, tt.status, "application/json; charset=utf-8", tt.answer)
			v, err := tt.run(c)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if rec.method != tt.method {
				t.Errorf("request method = %q; want %q", rec.method, tt.method)
			}
			if want := "/scalelite/api/" + tt.action; rec.path != want {
				t.Errorf("request path = %q; want %q", rec.path, want)
			}
			sum, _, n := checksum.Split(rec.rawQuery)
			if n != 1 {
				t.Errorf("checksum.Split(%q): %d checksums; want 1", rec.rawQuery, n)
			}
			if len(sum) != 64 {
				t.Errorf("checksum %q has %d hex digits; want 64 (SHA-256 by default)", sum, len(sum))
			}
			if got := withoutStrongAuth(t, tt.action, rec.rawQuery, rec.body); got != tt.query {
				t.Errorf("query without checksum and strong auth = %q; want %q", got, tt.query)
			}
			if tt.wantBody == "" {
				if len(rec.body) != 0 {
					t.Errorf("request body = %q; want empty", rec.body)
				}
				if rec.contentType != "" {
					t.Errorf("request Content-Type = %q; want empty", rec.contentType)
				}
			} else {
				if rec.contentType != "application/json" {
					t.Errorf("request Content-Type = %q; want %q", rec.contentType, "application/json")
				}
				jsonEq(t, "request body", tt.wantBody, string(rec.body))
			}
			if tt.checkResp != nil {
				tt.checkResp(t, v)
			}
		})
	}
}

func TestGetServersDecodesScaleliteShapes(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 200, "application/json", readTestdata(t, "servers.json"))
	got, err := c.GetServers(context.Background())
	if err != nil {
		t.Fatalf("GetServers(): %v", err)
	}
	want := []Server{
		{ID: "4d9a4a8c-2f0b-4c6e-9a53-0d3c8f7f6a11", URL: "https://bbb1.example.org/bigbluebutton/api", Secret: "bbb1-shared-secret-value",
			BBBVersion: "3.0.4", State: StateEnabled, Load: Load{Value: 42.5, Known: true}, LoadMultiplier: 1, Online: true},
		{ID: "bbb2.example.org", URL: "https://bbb2.example.org/bigbluebutton/api", Secret: "bbb2-shared-secret-value",
			Tag: "gpu", State: StateCordoned, LoadMultiplier: 2.5},
		{ID: "legacy", URL: "https://bbb3.example.org/bigbluebutton/api", Secret: "bbb3-shared-secret-value",
			State: StateDisabled, Load: Load{Value: 17, Known: true}, LoadMultiplier: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetServers() mismatch (-want +got):\n%s", diff)
	}
}

func TestGetServersEmptyIsNotAnError(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 404, "application/json", `{"error":"No servers are configured"}`)
	got, err := c.GetServers(context.Background())
	if err != nil {
		t.Fatalf("GetServers(): %v", err)
	}
	if got == nil {
		t.Errorf("GetServers() = nil; want an empty, non-nil slice")
	}
	if len(got) != 0 {
		t.Errorf("GetServers() = %v; want empty", got)
	}
}

func TestGetServersOther404IsAnError(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 404, "application/json", `{"error":"Not Found"}`)
	_, err := c.GetServers(context.Background())
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("GetServers() error = %v; want %v", err, ErrNotFound)
	}
}

func TestGetTenantInfoDecodesModelJSON(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 200, "application/json", readTestdata(t, "tenant_info.json"))
	got, err := c.GetTenantInfo(context.Background(), "0b6f3c9e-7d51-4a0e-8f0e-5d2b7c1e9a44")
	if err != nil {
		t.Fatalf("GetTenantInfo(): %v", err)
	}
	want := &Tenant{ID: "0b6f3c9e-7d51-4a0e-8f0e-5d2b7c1e9a44", Name: "school1",
		Secrets: []string{"first-tenant-secret", "second-tenant-secret"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetTenantInfo() mismatch (-want +got):\n%s", diff)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		run         func(context.Context, *Client) error
		is          []error
		isNot       []error
		check       func(t *testing.T, err error)
	}{
		{
			name: "XML checksum error with HTTP 200", status: 200, contentType: "application/xml",
			body: "", // replaced below with testdata
			is:   []error{ErrChecksum}, isNot: []error{ErrNotFound, ErrInvalid},
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				if e.Key != "checksumError" {
					t.Errorf("e.Key = %q; want %q", e.Key, "checksumError")
				}
				if e.StatusCode != 200 {
					t.Errorf("e.StatusCode = %d; want 200", e.StatusCode)
				}
				if want := "You did not pass the checksum security check"; e.Message != want {
					t.Errorf("e.Message = %q; want %q", e.Message, want)
				}
			},
		},
		{
			name: "XML unsupported content type", status: 200, contentType: "text/xml",
			body: `<response><returncode>FAILED</returncode><messageKey>unsupportedContentType</messageKey><message>POST request Content-Type is missing or unsupported</message></response>`,
			is:   []error{ErrUnsupportedContentType}, isNot: []error{ErrChecksum},
		},
		{
			name: "XML unsupported request (no admin API)", status: 200, contentType: "text/xml",
			body: `<response><returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey><message>This request is not supported.</message></response>`,
			is:   []error{ErrUnsupportedRequest},
		},
		{
			name: "JSON 404", status: 404, contentType: "application/json",
			body: `{"error":"Couldn't find server with id=nope"}`,
			run:  func(ctx context.Context, c *Client) error { _, err := c.GetServerInfo(ctx, "nope"); return err },
			is:   []error{ErrNotFound}, isNot: []error{ErrInvalid, ErrChecksum},
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				if e.Call != "getServerInfo" {
					t.Errorf("e.Call = %q; want %q", e.Call, "getServerInfo")
				}
				if want := "Couldn't find server with id=nope"; e.Message != want {
					t.Errorf("e.Message = %q; want %q", e.Message, want)
				}
				if want := "scalelite: getServerInfo: HTTP 404: Couldn't find server with id=nope"; err.Error() != want {
					t.Errorf("err.Error() = %q; want %q", err.Error(), want)
				}
			},
		},
		{
			name: "JSON 400", status: 400, contentType: "application/json",
			body: `{"error":"Server needs a URL and a secret"}`,
			is:   []error{ErrInvalid}, isNot: []error{ErrNotFound},
		},
		{
			name: "JSON 422 with message", status: 422, contentType: "application/json",
			body: `{"error":"Tenant could not be saved"}`,
			is:   []error{ErrInvalid},
		},
		{
			name: "JSON 412 multitenancy off", status: 412, contentType: "application/json",
			body: `{"message":"Multitenancy is disabled"}`,
			run:  func(ctx context.Context, c *Client) error { _, err := c.GetTenants(ctx); return err },
			is:   []error{ErrMultitenancyDisabled}, isNot: []error{ErrInvalid},
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				if want := "Multitenancy is disabled"; e.Message != want {
					t.Errorf("e.Message = %q; want %q", e.Message, want)
				}
			},
		},
		{
			name: "HTML from a proxy", status: 502, contentType: "text/html",
			body: `<html><body><h1>502 Bad Gateway</h1></body></html>`,
			check: func(t *testing.T, err error) {
				var e *HTTPError
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *HTTPError", err, err)
				}
				if e.StatusCode != 502 {
					t.Errorf("e.StatusCode = %d; want 502", e.StatusCode)
				}
				if e.ContentType != "text/html" {
					t.Errorf("e.ContentType = %q; want %q", e.ContentType, "text/html")
				}
				if strings.Contains(e.URL, "checksum") {
					t.Errorf("e.URL = %q; want no checksum in it", e.URL)
				}
			},
		},
		{
			name: "HTML with 200", status: 200, contentType: "text/html", body: `<!DOCTYPE html><html></html>`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
				}
			},
		},
		{
			name: "malformed JSON", status: 200, contentType: "application/json", body: `[{"id":`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
				}
			},
		},
		{
			name: "wrong load", status: 200, contentType: "application/json", body: `[{"id":"a","load":"busy"}]`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
				}
			},
		},
		{
			name: "text 500", status: 500, contentType: "text/plain", body: "boom",
			check: func(t *testing.T, err error) {
				var e *HTTPError
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *HTTPError", err, err)
				}
				if e.StatusCode != 500 {
					t.Errorf("e.StatusCode = %d; want 500", e.StatusCode)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body
			if body == "" {
				body = readTestdata(t, "checksum_error.xml")
			}
			c, _ := adminServer(t, tt.status, tt.contentType, body)
			run := tt.run
			if run == nil {
				run = func(ctx context.Context, c *Client) error { _, err := c.GetServers(ctx); return err }
			}
			err := run(context.Background(), c)
			if err == nil {
				t.Fatalf("call succeeded; want an error")
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
				}
			}
			for _, target := range tt.isNot {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = true; want false", err, target)
				}
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestWrongSecretIsChecksumError(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 200, "application/json", "[]")
	wrong, err := New(strings.TrimSuffix(c.BaseURL(), "scalelite/api/"), "not-the-secret")
	if err != nil {
		t.Fatalf("New(..., \"not-the-secret\"): %v", err)
	}
	_, err = wrong.GetServers(context.Background())
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("GetServers() with the wrong secret: error = %v; want %v", err, ErrChecksum)
	}
	// A SHA-1 client is refused by a server that only takes SHA-256.
	sha1c, err := New(c.BaseURL(), testSecret, bbb.WithChecksum(checksum.SHA1))
	if err != nil {
		t.Fatalf("New(..., WithChecksum(SHA1)): %v", err)
	}
	_, err = sha1c.GetServers(context.Background())
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("GetServers() with SHA-1: error = %v; want %v", err, ErrChecksum)
	}
}

func TestChecksumAlgorithms(t *testing.T) {
	t.Parallel()
	for _, alg := range checksum.All {
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.URL.RawQuery
				if err := checksum.Verify("getServerInfo", r.URL.RawQuery, testSecret, alg); err != nil {
					http.Error(w, "bad", 500)
					return
				}
				fmt.Fprint(w, serverJSON)
			}))
			defer srv.Close()
			c, err := New(srv.URL, testSecret, bbb.WithChecksum(alg))
			if err != nil {
				t.Fatalf("New(..., WithChecksum(%v)): %v", alg, err)
			}
			if _, err := c.GetServerInfo(context.Background(), "s1"); err != nil {
				t.Fatalf("GetServerInfo(%q): %v", "s1", err)
			}
			sum, _, _ := checksum.Split(got)
			if len(sum) != alg.HexLen() {
				t.Errorf("checksum %q has %d hex digits; want %d", sum, len(sum), alg.HexLen())
			}
		})
	}
}

func TestArgumentErrorsSendNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	c, err := New(srv.URL, testSecret)
	if err != nil {
		t.Fatalf("New(%q, testSecret): %v", srv.URL, err)
	}
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"getServerInfo empty id", func() error { _, err := c.GetServerInfo(ctx, ""); return err }, "id"},
		{"addServer nil", func() error { _, err := c.AddServer(ctx, nil); return err }, "params"},
		{"addServer no url", func() error { _, err := c.AddServer(ctx, &AddServerParams{Secret: "x"}); return err }, "url"},
		{"addServer relative url", func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "/bigbluebutton/api", Secret: "x"})
			return err
		}, "url"},
		{"addServer ftp url", func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "ftp://h/x", Secret: "x"})
			return err
		}, "url"},
		{"addServer credentials in url", func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "https://u:p@h/x", Secret: "x"})
			return err
		}, "url"},
		{"addServer no secret", func() error { _, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/x"}); return err }, "secret"},
		{"addServer negative multiplier", func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/x", Secret: "x", LoadMultiplier: -1})
			return err
		}, "load_multiplier"},
		{"updateServer nothing", func() error { _, err := c.UpdateServer(ctx, "s1", &UpdateServerParams{}); return err }, "params"},
		{"updateServer nil", func() error { _, err := c.UpdateServer(ctx, "s1", nil); return err }, "params"},
		{"updateServer empty id", func() error { _, err := c.EnableServer(ctx, ""); return err }, "id"},
		{"updateServer bad state", func() error {
			_, err := c.UpdateServer(ctx, "s1", &UpdateServerParams{State: "paused"})
			return err
		}, "state"},
		{"deleteServer empty id", func() error { return c.DeleteServer(ctx, "") }, "id"},
		{"panicServer empty id", func() error { return c.PanicServer(ctx, "", nil) }, "id"},
		{"getTenantInfo empty id", func() error { _, err := c.GetTenantInfo(ctx, ""); return err }, "id"},
		{"addTenant bad name", func() error {
			_, err := c.AddTenant(ctx, &AddTenantParams{Name: "a.b", Secrets: []string{"x"}})
			return err
		}, "name"},
		{"addTenant no secrets", func() error { _, err := c.AddTenant(ctx, &AddTenantParams{Name: "ab"}); return err }, "secrets"},
		{"addTenant colon secret", func() error {
			_, err := c.AddTenant(ctx, &AddTenantParams{Name: "ab", Secrets: []string{"a:b"}})
			return err
		}, "secrets"},
		{"updateTenant nothing", func() error { _, err := c.UpdateTenant(ctx, "t", &UpdateTenantParams{}); return err }, "params"},
		{"deleteTenant empty id", func() error { return c.DeleteTenant(ctx, "") }, "id"},
		{"nil context", func() error {
			var nilCtx context.Context
			_, err := c.GetServers(nilCtx)
			return err
		}, "ctx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var ae *ParamError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not a *ParamError", err, err)
			}
			if ae.Param != tt.field {
				t.Errorf("ae.Param = %q; want %q", ae.Param, tt.field)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false; want true", err)
			}
		})
	}
	if calls != 0 {
		t.Errorf("server got %d requests; want 0 (no request may be sent for a refused argument)", calls)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base, secret string
		opts         []Option
		wantBase     string
		wantErr      bool
	}{
		{base: "https://sl.example.org", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org/", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org/scalelite/api", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org/scalelite/api/", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org/bigbluebutton/api/", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org/bigbluebutton/", secret: "s", wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "http://127.0.0.1:8080/lb/", secret: "s", wantBase: "http://127.0.0.1:8080/lb/scalelite/api/"},
		{base: "sl.example.org", secret: "s", wantErr: true},
		{base: "ftp://sl.example.org", secret: "s", wantErr: true},
		{base: "https://", secret: "s", wantErr: true},
		{base: "https://u:p@sl.example.org", secret: "s", wantErr: true},
		{base: "https://sl.example.org/?a=b", secret: "s", wantErr: true},
		{base: "https://sl.example.org", secret: "", wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithChecksum(0)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithTimeout(-1)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithHTTPClient(nil)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithLogger(nil)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithMaxResponseBytes(0)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{bbb.WithChecksum(checksum.SHA512), bbb.WithTimeout(time.Second),
			bbb.WithHTTPClient(http.DefaultClient), bbb.WithMaxResponseBytes(10), bbb.WithUserAgent("x")}, wantBase: "https://sl.example.org/scalelite/api/"},
		{base: "https://sl.example.org", secret: "s", opts: []Option{nil}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := New(tt.base, tt.secret, tt.opts...)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q, %q, ...) succeeded; want an error", tt.base, tt.secret)
				}
				if tt.secret != "" && strings.Contains(err.Error(), tt.secret+"@") {
					t.Errorf("New(%q, %q, ...) error = %q; want no %q in it", tt.base, tt.secret, err.Error(), tt.secret+"@")
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q, %q, ...): %v", tt.base, tt.secret, err)
			}
			if got := c.BaseURL(); got != tt.wantBase {
				t.Errorf("BaseURL() = %q; want %q", got, tt.wantBase)
			}
		})
	}
}

func TestSignedURL(t *testing.T) {
	t.Parallel()
	c, err := New("https://sl.example.org", testSecret)
	if err != nil {
		t.Fatalf("New(%q, testSecret): %v", "https://sl.example.org", err)
	}
	u := c.SignedURL("getServerInfo", map[string][]string{"id": {"s1"}})
	prefix := "https://sl.example.org/scalelite/api/getServerInfo?"
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("SignedURL(\"getServerInfo\", id=s1) = %q; want prefix %q", u, prefix)
	}
	if got := withoutStrongAuth(t, "getServerInfo", strings.TrimPrefix(u, prefix), nil); got != "id=s1" {
		t.Errorf("query without checksum and strong auth = %q; want %q", got, "id=s1")
	}
	if got := c.Algorithm(); got != checksum.SHA256 {
		t.Errorf("Algorithm() = %v; want %v", got, checksum.SHA256)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(srv.URL, testSecret, bbb.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatalf("New(..., WithTimeout(50ms)): %v", err)
	}
	_, err = c.GetServers(context.Background())
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("GetServers() error = %v (%T); want a *TransportError", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetServers() error = %v; want %v", err, context.DeadlineExceeded)
	}
	if strings.Contains(err.Error(), "checksum") {
		t.Errorf("GetServers() error = %q; want no checksum in it", err.Error())
	}

	c2, err := New(srv.URL, testSecret, bbb.WithTimeout(0))
	if err != nil {
		t.Fatalf("New(..., WithTimeout(0)): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c2.GetServers(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GetServers(canceled ctx) error = %v; want %v", err, context.Canceled)
	}
}

func TestResponseSizeLimit(t *testing.T) {
	t.Parallel()
	big := "[" + strings.Repeat(serverJSON+",", 50) + serverJSON + "]"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, big) }))
	defer srv.Close()
	c, err := New(srv.URL, testSecret, bbb.WithMaxResponseBytes(1024))
	if err != nil {
		t.Fatalf("New(..., WithMaxResponseBytes(1024)): %v", err)
	}
	_, err = c.GetServers(context.Background())
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("GetServers() error = %v (%T); want a *DecodeError", err, err)
	}
	if !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Errorf("GetServers() error = %q; want it to contain %q", err.Error(), "larger than 1024 bytes")
	}

	c2, err := New(srv.URL, testSecret, bbb.WithMaxResponseBytes(int64(len(big))))
	if err != nil {
		t.Fatalf("New(..., WithMaxResponseBytes(%d)): %v", len(big), err)
	}
	got, err := c2.GetServers(context.Background())
	if err != nil {
		t.Fatalf("GetServers() with a large enough limit: %v", err)
	}
	if len(got) != 51 {
		t.Errorf("GetServers() returned %d servers; want 51", len(got))
	}
}

// TestNoSecretInErrorsOrLogs drives every failure path with a logger at debug
// level and checks that neither the errors nor the log hold the balancer
// secret, a server or tenant secret, or the checksum.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	const serverSecret = "server-secret-value-42"
	const tenantSecret = "tenant-secret-value-43"
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum, _, _ := checksum.Split(r.URL.RawQuery)
		sums = append(sums, sum)
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/scalelite/api/addServer", "/scalelite/api/addTenant":
			// A server that echoes the request in its error message.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"error": "refused " + string(b) + " " + r.URL.RawQuery + " " + testSecret})
		case "/scalelite/api/getServers":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>bad %s</message></response>", testSecret)
		default:
			http.Error(w, r.URL.String(), http.StatusBadGateway)
		}
	}))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(srv.URL, testSecret, bbb.WithLogger(logger))
	if err != nil {
		t.Fatalf("New(..., WithLogger(logger)): %v", err)
	}
	ctx := context.Background()
	var errs []error
	_, err = c.AddServer(ctx, &AddServerParams{URL: "https://h/bigbluebutton/api", Secret: serverSecret})
	errs = append(errs, err)
	_, err = c.AddTenant(ctx, &AddTenantParams{Name: "t1", Secrets: []string{tenantSecret}})
	errs = append(errs, err)
	_, err = c.GetServers(ctx)
	errs = append(errs, err)
	_, err = c.GetServerInfo(ctx, "s1")
	errs = append(errs, err)
	srv.Close() // transport errors from here on
	_, err = c.GetServerInfo(ctx, "s1")
	errs = append(errs, err)
	if len(sums) != 4 {
		t.Fatalf("server got %d requests; want 4", len(sums))
	}
	forbidden := append([]string{testSecret, serverSecret, tenantSecret}, sums...)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded; want an error", i)
		}
		for _, f := range forbidden {
			if strings.Contains(err.Error(), f) {
				t.Errorf("call %d: error %q contains %q", i, err.Error(), f)
			}
			if s := fmt.Sprintf("%+v %#v", err, err); strings.Contains(s, f) {
				t.Errorf("call %d: formatted error %q contains %q", i, s, f)
			}
		}
	}
	for _, f := range forbidden {
		if strings.Contains(logs.String(), f) {
			t.Errorf("log contains %q:\n%s", f, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "call=addServer") {
		t.Errorf("log does not contain %q:\n%s", "call=addServer", logs.String())
	}
	if !strings.Contains(errs[0].Error(), "REDACTED") {
		t.Errorf("AddServer() error = %q; want it to contain %q", errs[0].Error(), "REDACTED")
	}
}

func TestStringersHideSecrets(t *testing.T) {
	t.Parallel()
	s := Server{ID: "s1", URL: "https://h/bigbluebutton/api", Secret: "hidden-server-secret", State: StateEnabled,
		Load: Load{Value: 3, Known: true}, LoadMultiplier: 1.5, Online: true, Tag: "gpu"}
	tn := Tenant{ID: "t1", Name: "school", Secrets: []string{"hidden-tenant-secret"}}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "server", s, "tenant", tn)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), fmt.Sprintf("%v %+v %#v", tn, tn, tn),
		fmt.Sprint(&s, &tn), logs.String()} {
		if strings.Contains(out, "hidden-") {
			t.Errorf("output %q contains a secret (%q)", out, "hidden-")
		}
	}
	if want := "server s1 https://h/bigbluebutton/api enabled online load=3 multiplier=1.5 tag=gpu"; s.String() != want {
		t.Errorf("s.String() = %q; want %q", s.String(), want)
	}
	if !strings.Contains(logs.String(), `"id":"s1"`) {
		t.Errorf("log %q does not contain %q", logs.String(), `"id":"s1"`)
	}
}

// jsonEq reports an error unless want and got hold the same JSON value.
func jsonEq(t *testing.T, what, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Errorf("want %s is not valid JSON: %v", want, err)
		return
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s %s is not valid JSON: %v", what, got, err)
		return
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}
