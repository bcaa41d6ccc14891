package scalelitetest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminClientEndToEnd drives every server call of scalelite.Client
// against the fake.
func TestAdminClientEndToEnd(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0)
	ctx := context.Background()

	list, err := c.admin.GetServers(ctx)
	require.NoError(t, err, "no servers is an empty list")
	assert.Empty(t, list)

	w1 := bbbtest.NewServer()
	defer w1.Close()
	w2 := bbbtest.NewServer()
	defer w2.Close()
	s1, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w1.APIURL(), Secret: w1.Secret})
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateDisabled, s1.State)
	assert.True(t, s1.Online, "the fake polls a new server at once")
	assert.False(t, s1.Load.Known, "a disabled server has no load")
	assert.Equal(t, 1.0, s1.LoadMultiplier)
	s2, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w2.APIURL(), Secret: w2.Secret, LoadMultiplier: 2, Tag: "gpu"})
	require.NoError(t, err)
	assert.Equal(t, "gpu", s2.Tag)
	assert.Equal(t, 2.0, s2.LoadMultiplier)

	list, err = c.admin.GetServers(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.ElementsMatch(t, []string{s1.ID, s2.ID}, []string{list[0].ID, list[1].ID})

	got, err := c.admin.GetServerInfo(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, w1.Secret, got.Secret)
	assert.Equal(t, w1.APIURL(), got.URL)

	s1, err = c.admin.EnableServer(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateEnabled, s1.State)
	assert.True(t, s1.Load.Known)
	assert.Equal(t, 0.0, s1.Load.Value)

	// A meeting reserves load on its server.
	_, err = c.create(ctx, "adm-1", nil)
	require.NoError(t, err)
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	require.NoError(t, err)
	assert.Greater(t, s1.Load.Value, 0.0)

	// Multiplier, tag and secret.
	s2, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{LoadMultiplier: 3, Tag: new("")})
	require.NoError(t, err)
	assert.Equal(t, 3.0, s2.LoadMultiplier)
	assert.Empty(t, s2.Tag)
	s2, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{Secret: "rotated-secret", Tag: new("big")})
	require.NoError(t, err)
	assert.Equal(t, "rotated-secret", s2.Secret)
	assert.Equal(t, "big", s2.Tag)

	s1, err = c.admin.CordonServer(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateCordoned, s1.State)

	// Panic with keep_state: the meeting is ended and forgotten, the state stays.
	require.NoError(t, c.admin.PanicServer(ctx, s1.ID, &scalelite.PanicServerParams{KeepState: true}))
	_, ok := w1.Meeting("adm-1")
	assert.False(t, ok, "panic ends the meetings on the server")
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateCordoned, s1.State)
	require.NoError(t, c.admin.PanicServer(ctx, s1.ID, nil))
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, scalelite.StateDisabled, s1.State)

	require.NoError(t, c.admin.DeleteServer(ctx, s1.ID))
	_, err = c.admin.GetServerInfo(ctx, s1.ID)
	assert.ErrorIs(t, err, scalelite.ErrNotFound)
	assert.ErrorIs(t, c.admin.DeleteServer(ctx, s1.ID), scalelite.ErrNotFound)
	assert.ErrorIs(t, c.admin.PanicServer(ctx, "missing", nil), scalelite.ErrNotFound)
	_, err = c.admin.EnableServer(ctx, "missing")
	assert.ErrorIs(t, err, scalelite.ErrNotFound)

	// Invalid values are refused by the fake as by Scalelite (400).
	_, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{Tag: new("a;b")})
	assert.ErrorIs(t, err, scalelite.ErrInvalid)
	var e *scalelite.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)

	// Tenant calls need multitenancy.
	_, err = c.admin.GetTenants(ctx)
	assert.ErrorIs(t, err, scalelite.ErrMultitenancyDisabled)

	// The wrong secret is an XML checksumError.
	bad, err := scalelite.New(c.sl.URL, "wrong", scalelite.WithHTTPClient(c.hc))
	require.NoError(t, err)
	_, err = bad.GetServers(ctx)
	assert.ErrorIs(t, err, scalelite.ErrChecksum)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusOK, e.StatusCode)
}

func TestAdminTenantsEndToEnd(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0, WithMultitenancy())
	ctx := context.Background()
	list, err := c.admin.GetTenants(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)

	t1, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"s1a", "s1b"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"s1a", "s1b"}, t1.Secrets)
	_, err = c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"x"}})
	assert.ErrorIs(t, err, scalelite.ErrInvalid, "names are unique")

	got, err := c.admin.GetTenantInfo(ctx, t1.ID)
	require.NoError(t, err)
	assert.Equal(t, t1, got)

	up, err := c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Name: "school9"})
	require.NoError(t, err)
	assert.Equal(t, "school9", up.Name)
	assert.Equal(t, []string{"s1a", "s1b"}, up.Secrets, "secrets stay when not given")
	up, err = c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Secrets: []string{"new"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"new"}, up.Secrets)

	list, err = c.admin.GetTenants(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "school9", list[0].Name)

	require.NoError(t, c.admin.DeleteTenant(ctx, t1.ID))
	_, err = c.admin.GetTenantInfo(ctx, t1.ID)
	assert.ErrorIs(t, err, scalelite.ErrNotFound)
	assert.ErrorIs(t, c.admin.DeleteTenant(ctx, t1.ID), scalelite.ErrNotFound)
	_, err = c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Name: "x1"})
	assert.ErrorIs(t, err, scalelite.ErrNotFound)
}

// TestAdminWireFormat checks what raw clients see: routes, methods, content
// types and the two error formats.
func TestAdminWireFormat(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0)
	sign := func(action, query string) string {
		sum := checksum.Sum(checksum.SHA1, action, query, c.sl.Secret)
		if query != "" {
			return c.sl.URL + "/scalelite/api/" + action + "?" + query + "&checksum=" + sum
		}
		return c.sl.URL + "/scalelite/api/" + action + "?checksum=" + sum
	}
	tests := []struct {
		name, method, url, contentType, body string
		status                               int
		want                                 string
	}{
		{"getServers none", "GET", sign("getServers", ""), "", "", 404, `{"error":"No servers are configured"}`},
		{"unknown id", "GET", sign("getServerInfo", "id=zz"), "", "", 404, `{"error":"Couldn't find server with id=zz"}`},
		{"wrong checksum", "GET", c.sl.URL + "/scalelite/api/getServers?checksum=" + strings.Repeat("0", 40), "", "", 200, "<messageKey>checksumError</messageKey>"},
		{"missing checksum", "GET", c.sl.URL + "/scalelite/api/getServers", "", "", 200, "<messageKey>checksumError</messageKey>"},
		{"form body", "POST", sign("addServer", ""), "application/x-www-form-urlencoded", "url=x", 200, "<messageKey>unsupportedContentType</messageKey>"},
		{"GET on a POST action", "GET", sign("addServer", ""), "", "", 200, "<messageKey>unsupportedRequest</messageKey>"},
		{"unknown action", "GET", sign("listEverything", ""), "", "", 200, "<messageKey>unsupportedRequest</messageKey>"},
		{"no url", "POST", sign("addServer", ""), "application/json", `{"server":{"secret":"x"}}`, 400, `{"error":"Server needs a URL and a secret"}`},
		{"bad JSON", "POST", sign("addServer", ""), "application/json", `{"server":`, 400, `"error"`},
		{"multiplier as string", "POST", sign("addServer", ""), "application/json",
			`{"server":{"url":"http://127.0.0.1:1/bigbluebutton/api","secret":"x","load_multiplier":"2.5"}}`, 201, `"load_multiplier":2.5`},
		{"bad multiplier", "POST", sign("addServer", ""), "application/json",
			`{"server":{"url":"http://127.0.0.1:1/bigbluebutton/api","secret":"x","load_multiplier":"lots"}}`, 400, `"error"`},
		{"tenants off", "GET", sign("getTenants", ""), "", "", 412, `{"message":"Multitenancy is disabled"}`},
		{"health", "GET", c.sl.URL + "/health", "", "", 200, "success"},
		{"health_check", "GET", c.sl.URL + "/health_check", "", "", 200, "success"},
		{"elsewhere", "GET", c.sl.URL + "/nothing", "", "", 200, "<messageKey>unsupportedRequest</messageKey>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := c.hc.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tt.status, resp.StatusCode, string(b))
			assert.Contains(t, string(b), tt.want)
		})
	}
}

// TestNoSecretInLogs runs failures of every kind with a debug logger and
// checks that no secret or checksum reaches the log.
func TestNoSecretInLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newCluster(t, 2, WithLogger(logger), WithSecret("balancer-secret-under-test"))
	ctx := context.Background()
	for _, id := range meetingIDs("log", 4) {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
	}
	c.workers[0].FailNext("create", 1, "internalError", "boom")
	c.workers[1].FailNext("create", 1, "internalError", "boom")
	_, _ = c.create(ctx, "log-fail", nil)
	c.workers[0].SetDown(true)
	_, _ = c.front.GetMeetings(ctx)
	_, _ = c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{})
	for _, id := range meetingIDs("log", 4) {
		_, _ = c.front.GetMeetingInfo(ctx, id)
		_ = c.front.EndMeeting(ctx, id)
	}
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	_ = c.admin.PanicServer(ctx, c.ids[0], nil)
	out := logs.String()
	require.NotEmpty(t, out)
	for _, secret := range []string{c.sl.Secret, c.workers[0].Secret, c.workers[1].Secret} {
		assert.NotContains(t, out, secret)
	}
	assert.NotRegexp(t, `checksum=[0-9a-fA-F]{40}`, out)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
