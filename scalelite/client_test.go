package scalelite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	return c, rec
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
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
				require.Len(t, s, 1)
				assert.Equal(t, "s1", s[0].ID)
				assert.Equal(t, StateDisabled, s[0].State)
				assert.False(t, s[0].Load.Known)
			},
		},
		{
			name: "getServerInfo escapes the id", status: 200, answer: serverJSON,
			run:    func(c *Client) (any, error) { return c.GetServerInfo(ctx, "bbb 1&x") },
			method: "GET", action: "getServerInfo", query: "id=bbb+1%26x",
			checkResp: func(t *testing.T, v any) { assert.Equal(t, "s1-secret", v.(*Server).Secret) },
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
				assert.Equal(t, []Tenant{{ID: "t1", Name: "school1", Secrets: []string{"a1b2c3", "d4e5f6"}}}, v.([]Tenant))
			},
		},
		{
			name: "getTenants none", status: 200, answer: `{"message":"No tenants exist"}`,
			run:    func(c *Client) (any, error) { return c.GetTenants(ctx) },
			method: "GET", action: "getTenants",
			checkResp: func(t *testing.T, v any) {
				assert.NotNil(t, v.([]Tenant))
				assert.Empty(t, v.([]Tenant))
			},
		},
		{
			name: "getTenantInfo", status: 200, answer: `{"id":"t1","name":"school1","secrets":"a1b2c3","new_record":false,"destroyed":false}`,
			run:    func(c *Client) (any, error) { return c.GetTenantInfo(ctx, "t1") },
			method: "GET", action: "getTenantInfo", query: "id=t1",
			checkResp: func(t *testing.T, v any) {
				assert.Equal(t, &Tenant{ID: "t1", Name: "school1", Secrets: []string{"a1b2c3"}}, v.(*Tenant))
			},
		},
		{
			name: "addTenant", status: 201, answer: `{"tenant":{"id":"t9","name":"school9","secrets":"x1:y2"}}`,
			run: func(c *Client) (any, error) {
				return c.AddTenant(ctx, &AddTenantParams{Name: "school9", Secrets: []string{"x1", "y2"}})
			},
			method: "POST", action: "addTenant", wantBody: `{"tenant":{"name":"school9","secrets":"x1:y2"}}`,
			checkResp: func(t *testing.T, v any) { assert.Equal(t, "t9", v.(*Tenant).ID) },
		},
		{
			name: "updateTenant name only", status: 200, answer: `{"tenant":{"id":"t9","name":"school10","secrets":"x1"}}`,
			run:    func(c *Client) (any, error) { return c.UpdateTenant(ctx, "t9", &UpdateTenantParams{Name: "school10"}) },
			method: "POST", action: "updateTenant", wantBody: `{"id":"t9","tenant":{"name":"school10"}}`,
			checkResp: func(t *testing.T, v any) { assert.Equal(t, "school10", v.(*Tenant).Name) },
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
			require.NoError(t, err)
			assert.Equal(t, tt.method, rec.method)
			assert.Equal(t, "/scalelite/api/"+tt.action, rec.path)
			sum, _, n := checksum.Split(rec.rawQuery)
			assert.Equal(t, 1, n)
			assert.Len(t, sum, 64, "SHA-256 by default")
			assert.Equal(t, tt.query, withoutStrongAuth(t, tt.action, rec.rawQuery, rec.body))
			if tt.wantBody == "" {
				assert.Empty(t, rec.body)
				assert.Empty(t, rec.contentType)
			} else {
				assert.Equal(t, "application/json", rec.contentType)
				assert.JSONEq(t, tt.wantBody, string(rec.body))
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
	require.NoError(t, err)
	want := []Server{
		{ID: "4d9a4a8c-2f0b-4c6e-9a53-0d3c8f7f6a11", URL: "https://bbb1.example.org/bigbluebutton/api", Secret: "bbb1-shared-secret-value",
			BBBVersion: "3.0.4", State: StateEnabled, Load: Load{Value: 42.5, Known: true}, LoadMultiplier: 1, Online: true},
		{ID: "bbb2.example.org", URL: "https://bbb2.example.org/bigbluebutton/api", Secret: "bbb2-shared-secret-value",
			Tag: "gpu", State: StateCordoned, LoadMultiplier: 2.5},
		{ID: "legacy", URL: "https://bbb3.example.org/bigbluebutton/api", Secret: "bbb3-shared-secret-value",
			State: StateDisabled, Load: Load{Value: 17, Known: true}, LoadMultiplier: 1},
	}
	assert.Equal(t, want, got)
}

func TestGetServersEmptyIsNotAnError(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 404, "application/json", `{"error":"No servers are configured"}`)
	got, err := c.GetServers(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)
}

func TestGetServersOther404IsAnError(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 404, "application/json", `{"error":"Not Found"}`)
	_, err := c.GetServers(context.Background())
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestGetTenantInfoDecodesModelJSON(t *testing.T) {
	t.Parallel()
	c, _ := adminServer(t, 200, "application/json", readTestdata(t, "tenant_info.json"))
	got, err := c.GetTenantInfo(context.Background(), "0b6f3c9e-7d51-4a0e-8f0e-5d2b7c1e9a44")
	require.NoError(t, err)
	assert.Equal(t, &Tenant{ID: "0b6f3c9e-7d51-4a0e-8f0e-5d2b7c1e9a44", Name: "school1",
		Secrets: []string{"first-tenant-secret", "second-tenant-secret"}}, got)
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
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "checksumError", e.Key)
				assert.Equal(t, 200, e.StatusCode)
				assert.Equal(t, "You did not pass the checksum security check", e.Message)
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
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "getServerInfo", e.Call)
				assert.Equal(t, "Couldn't find server with id=nope", e.Message)
				assert.Equal(t, "scalelite: getServerInfo: HTTP 404: Couldn't find server with id=nope", err.Error())
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
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "Multitenancy is disabled", e.Message)
			},
		},
		{
			name: "HTML from a proxy", status: 502, contentType: "text/html",
			body: `<html><body><h1>502 Bad Gateway</h1></body></html>`,
			check: func(t *testing.T, err error) {
				var e *HTTPError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 502, e.StatusCode)
				assert.Equal(t, "text/html", e.ContentType)
				assert.NotContains(t, e.URL, "checksum")
			},
		},
		{
			name: "HTML with 200", status: 200, contentType: "text/html", body: `<!DOCTYPE html><html></html>`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				require.ErrorAs(t, err, &e)
			},
		},
		{
			name: "malformed JSON", status: 200, contentType: "application/json", body: `[{"id":`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				require.ErrorAs(t, err, &e)
			},
		},
		{
			name: "wrong load", status: 200, contentType: "application/json", body: `[{"id":"a","load":"busy"}]`,
			check: func(t *testing.T, err error) {
				var e *DecodeError
				require.ErrorAs(t, err, &e)
			},
		},
		{
			name: "text 500", status: 500, contentType: "text/plain", body: "boom",
			check: func(t *testing.T, err error) {
				var e *HTTPError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 500, e.StatusCode)
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
			require.Error(t, err)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, target := range tt.isNot {
				assert.NotErrorIs(t, err, target)
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
	require.NoError(t, err)
	_, err = wrong.GetServers(context.Background())
	assert.ErrorIs(t, err, ErrChecksum)
	// A SHA-1 client is refused by a server that only takes SHA-256.
	sha1c, err := New(c.BaseURL(), testSecret, WithChecksum(checksum.SHA1))
	require.NoError(t, err)
	_, err = sha1c.GetServers(context.Background())
	assert.ErrorIs(t, err, ErrChecksum)
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
			c, err := New(srv.URL, testSecret, WithChecksum(alg))
			require.NoError(t, err)
			_, err = c.GetServerInfo(context.Background(), "s1")
			require.NoError(t, err)
			sum, _, _ := checksum.Split(got)
			assert.Len(t, sum, alg.HexLen())
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
	require.NoError(t, err)
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
			var ae *ArgumentError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.field, ae.Field)
			assert.ErrorIs(t, err, ErrInvalid)
		})
	}
	assert.Zero(t, calls, "no request may be sent for a refused argument")
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
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithChecksum(0)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithTimeout(-1)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithHTTPClient(nil)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithLogger(nil)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithMaxResponseBytes(0)}, wantErr: true},
		{base: "https://sl.example.org", secret: "s", opts: []Option{WithChecksum(checksum.SHA512), WithTimeout(time.Second),
			WithHTTPClient(http.DefaultClient), WithMaxResponseBytes(10), WithUserAgent("x"), nil}, wantBase: "https://sl.example.org/scalelite/api/"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := New(tt.base, tt.secret, tt.opts...)
			if tt.wantErr {
				require.Error(t, err)
				if tt.secret != "" {
					assert.NotContains(t, err.Error(), tt.secret+"@")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantBase, c.BaseURL())
		})
	}
}

func TestSignedURL(t *testing.T) {
	t.Parallel()
	c, err := New("https://sl.example.org", testSecret)
	require.NoError(t, err)
	u := c.SignedURL("getServerInfo", map[string][]string{"id": {"s1"}})
	prefix := "https://sl.example.org/scalelite/api/getServerInfo?"
	require.True(t, strings.HasPrefix(u, prefix), u)
	assert.Equal(t, "id=s1", withoutStrongAuth(t, "getServerInfo", strings.TrimPrefix(u, prefix), nil))
	assert.Equal(t, checksum.SHA256, c.Algorithm())
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
	c, err := New(srv.URL, testSecret, WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	_, err = c.GetServers(context.Background())
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "checksum")

	c2, err := New(srv.URL, testSecret, WithTimeout(0))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c2.GetServers(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestResponseSizeLimit(t *testing.T) {
	t.Parallel()
	big := "[" + strings.Repeat(serverJSON+",", 50) + serverJSON + "]"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, big) }))
	defer srv.Close()
	c, err := New(srv.URL, testSecret, WithMaxResponseBytes(1024))
	require.NoError(t, err)
	_, err = c.GetServers(context.Background())
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "larger than 1024 bytes")

	c2, err := New(srv.URL, testSecret, WithMaxResponseBytes(int64(len(big))))
	require.NoError(t, err)
	got, err := c2.GetServers(context.Background())
	require.NoError(t, err)
	assert.Len(t, got, 51)
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
	c, err := New(srv.URL, testSecret, WithLogger(logger))
	require.NoError(t, err)
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
	require.Len(t, sums, 4)
	forbidden := append([]string{testSecret, serverSecret, tenantSecret}, sums...)
	for i, err := range errs {
		require.Error(t, err, "call %d", i)
		for _, f := range forbidden {
			assert.NotContains(t, err.Error(), f, "call %d", i)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), f, "call %d", i)
		}
	}
	for _, f := range forbidden {
		assert.NotContains(t, logs.String(), f)
	}
	assert.Contains(t, logs.String(), "action=addServer")
	assert.Contains(t, errs[0].Error(), "[redacted]")
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
		assert.NotContains(t, out, "hidden-")
	}
	assert.Equal(t, "server s1 https://h/bigbluebutton/api enabled online load=3 multiplier=1.5 tag=gpu", s.String())
	assert.Contains(t, logs.String(), `"id":"s1"`)
}
