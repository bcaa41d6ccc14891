package scalelitetest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
	"github.com/bbbkit/bbbkit/scalelite"
)

// TestAdminClientEndToEnd drives every server call of scalelite.Client
// against the fake.
func TestAdminClientEndToEnd(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0)
	ctx := context.Background()

	list, err := c.admin.GetServers(ctx)
	if err != nil {
		t.Fatalf("GetServers() with no servers: %v; want an empty list", err)
	}
	if len(list) != 0 {
		t.Errorf("GetServers() = %v; want empty", list)
	}

	w1 := bbbtest.NewServer()
	defer w1.Close()
	w2 := bbbtest.NewServer()
	defer w2.Close()
	s1, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w1.APIURL(), Secret: w1.Secret})
	if err != nil {
		t.Fatalf("AddServer(%s): %v", w1.APIURL(), err)
	}
	if s1.State != scalelite.StateDisabled {
		t.Errorf("AddServer().State = %v; want %v", s1.State, scalelite.StateDisabled)
	}
	if !s1.Online {
		t.Errorf("AddServer().Online = false; want true (the fake polls a new server at once)")
	}
	if s1.Load.Known {
		t.Errorf("AddServer().Load.Known = true; want false (a disabled server has no load)")
	}
	if s1.LoadMultiplier != 1.0 {
		t.Errorf("AddServer().LoadMultiplier = %v; want 1", s1.LoadMultiplier)
	}
	s2, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w2.APIURL(), Secret: w2.Secret, LoadMultiplier: 2, Tag: "gpu"})
	if err != nil {
		t.Fatalf("AddServer(%s, multiplier 2, tag gpu): %v", w2.APIURL(), err)
	}
	if s2.Tag != "gpu" {
		t.Errorf("AddServer().Tag = %q; want %q", s2.Tag, "gpu")
	}
	if s2.LoadMultiplier != 2.0 {
		t.Errorf("AddServer().LoadMultiplier = %v; want 2", s2.LoadMultiplier)
	}

	list, err = c.admin.GetServers(ctx)
	if err != nil {
		t.Fatalf("GetServers(): %v", err)
	}
	if len(list) != 2 {
		t.Fatalf("GetServers() returned %d servers; want 2", len(list))
	}
	if diff := cmp.Diff([]string{s1.ID, s2.ID}, []string{list[0].ID, list[1].ID}, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("GetServers() IDs mismatch (-want +got):\n%s", diff)
	}

	got, err := c.admin.GetServerInfo(ctx, s1.ID)
	if err != nil {
		t.Fatalf("GetServerInfo(%q): %v", s1.ID, err)
	}
	if got.Secret != w1.Secret {
		t.Errorf("GetServerInfo(%q).Secret = %q; want %q", s1.ID, got.Secret, w1.Secret)
	}
	if got.URL != w1.APIURL() {
		t.Errorf("GetServerInfo(%q).URL = %q; want %q", s1.ID, got.URL, w1.APIURL())
	}

	s1, err = c.admin.EnableServer(ctx, s1.ID)
	if err != nil {
		t.Fatalf("EnableServer(): %v", err)
	}
	if s1.State != scalelite.StateEnabled {
		t.Errorf("EnableServer().State = %v; want %v", s1.State, scalelite.StateEnabled)
	}
	if !s1.Load.Known {
		t.Errorf("EnableServer().Load.Known = false; want true")
	}
	if s1.Load.Value != 0.0 {
		t.Errorf("EnableServer().Load.Value = %v; want 0", s1.Load.Value)
	}

	// A meeting reserves load on its server.
	if _, err := c.create(ctx, "adm-1", nil); err != nil {
		t.Fatalf("create(%q): %v", "adm-1", err)
	}
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	if err != nil {
		t.Fatalf("GetServerInfo(): %v", err)
	}
	if !(s1.Load.Value > 0.0) {
		t.Errorf("GetServerInfo().Load.Value = %v; want > 0", s1.Load.Value)
	}

	// Multiplier, tag and secret.
	s2, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{LoadMultiplier: 3, Tag: new("")})
	if err != nil {
		t.Fatalf("UpdateServer(multiplier 3, no tag): %v", err)
	}
	if s2.LoadMultiplier != 3.0 {
		t.Errorf("UpdateServer().LoadMultiplier = %v; want 3", s2.LoadMultiplier)
	}
	if s2.Tag != "" {
		t.Errorf("UpdateServer().Tag = %q; want empty", s2.Tag)
	}
	s2, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{Secret: "rotated-secret", Tag: new("big")})
	if err != nil {
		t.Fatalf("UpdateServer(secret, tag big): %v", err)
	}
	if s2.Secret != "rotated-secret" {
		t.Errorf("UpdateServer().Secret = %q; want %q", s2.Secret, "rotated-secret")
	}
	if s2.Tag != "big" {
		t.Errorf("UpdateServer().Tag = %q; want %q", s2.Tag, "big")
	}

	s1, err = c.admin.CordonServer(ctx, s1.ID)
	if err != nil {
		t.Fatalf("CordonServer(): %v", err)
	}
	if s1.State != scalelite.StateCordoned {
		t.Errorf("CordonServer().State = %v; want %v", s1.State, scalelite.StateCordoned)
	}

	// Panic with keep_state: the meeting is ended and forgotten, the state stays.
	if err := c.admin.PanicServer(ctx, s1.ID, &scalelite.PanicServerParams{KeepState: true}); err != nil {
		t.Fatalf("PanicServer(%q, keep state): %v", s1.ID, err)
	}
	if _, ok := w1.Meeting("adm-1"); ok {
		t.Errorf("worker still holds %q after panic; want panic to end the meetings on the server", "adm-1")
	}
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	if err != nil {
		t.Fatalf("GetServerInfo(): %v", err)
	}
	if s1.State != scalelite.StateCordoned {
		t.Errorf("after PanicServer(keep state): State = %v; want %v", s1.State, scalelite.StateCordoned)
	}
	if err := c.admin.PanicServer(ctx, s1.ID, nil); err != nil {
		t.Fatalf("PanicServer(%q, nil): %v", s1.ID, err)
	}
	s1, err = c.admin.GetServerInfo(ctx, s1.ID)
	if err != nil {
		t.Fatalf("GetServerInfo(): %v", err)
	}
	if s1.State != scalelite.StateDisabled {
		t.Errorf("after PanicServer(nil): State = %v; want %v", s1.State, scalelite.StateDisabled)
	}

	if err := c.admin.DeleteServer(ctx, s1.ID); err != nil {
		t.Fatalf("DeleteServer(%q): %v", s1.ID, err)
	}
	_, err = c.admin.GetServerInfo(ctx, s1.ID)
	if !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("GetServerInfo(deleted) error = %v; want %v", err, scalelite.ErrNotFound)
	}
	if err := c.admin.DeleteServer(ctx, s1.ID); !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("DeleteServer(deleted) = %v; want %v", err, scalelite.ErrNotFound)
	}
	if err := c.admin.PanicServer(ctx, "missing", nil); !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("PanicServer(%q, nil) = %v; want %v", "missing", err, scalelite.ErrNotFound)
	}
	_, err = c.admin.EnableServer(ctx, "missing")
	if !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("EnableServer(%q) error = %v; want %v", "missing", err, scalelite.ErrNotFound)
	}

	// Invalid values are refused by the fake as by Scalelite (400).
	_, err = c.admin.UpdateServer(ctx, s2.ID, &scalelite.UpdateServerParams{Tag: new("a;b")})
	if !errors.Is(err, scalelite.ErrInvalid) {
		t.Errorf("UpdateServer(tag %q) error = %v; want %v", "a;b", err, scalelite.ErrInvalid)
	}
	var e *scalelite.Error
	if !errors.As(err, &e) {
		t.Fatalf("UpdateServer(tag %q) error = %v (%T); want a *scalelite.Error", "a;b", err, err)
	}
	if e.StatusCode != http.StatusBadRequest {
		t.Errorf("UpdateServer(tag %q): status %d; want %d", "a;b", e.StatusCode, http.StatusBadRequest)
	}

	// Tenant calls need multitenancy.
	_, err = c.admin.GetTenants(ctx)
	if !errors.Is(err, scalelite.ErrMultitenancyDisabled) {
		t.Errorf("GetTenants() error = %v; want %v", err, scalelite.ErrMultitenancyDisabled)
	}

	// The wrong secret is an XML checksumError.
	bad, err := scalelite.New(c.sl.URL, "wrong", bbb.WithHTTPClient(c.hc))
	if err != nil {
		t.Fatalf("scalelite.New(..., \"wrong\"): %v", err)
	}
	_, err = bad.GetServers(ctx)
	if !errors.Is(err, scalelite.ErrChecksum) {
		t.Errorf("GetServers() with the wrong secret: error = %v; want %v", err, scalelite.ErrChecksum)
	}
	if !errors.As(err, &e) {
		t.Fatalf("GetServers() with the wrong secret: error = %v (%T); want a *scalelite.Error", err, err)
	}
	if e.StatusCode != http.StatusOK {
		t.Errorf("GetServers() with the wrong secret: status %d; want %d", e.StatusCode, http.StatusOK)
	}
}

func TestAdminTenantsEndToEnd(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0, WithMultitenancy())
	ctx := context.Background()
	list, err := c.admin.GetTenants(ctx)
	if err != nil {
		t.Fatalf("GetTenants(): %v", err)
	}
	if len(list) != 0 {
		t.Errorf("GetTenants() = %v; want empty", list)
	}

	t1, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"s1a", "s1b"}})
	if err != nil {
		t.Fatalf("AddTenant(%q): %v", "school1", err)
	}
	if diff := cmp.Diff([]string{"s1a", "s1b"}, t1.Secrets); diff != "" {
		t.Errorf("AddTenant().Secrets mismatch (-want +got):\n%s", diff)
	}
	_, err = c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"x"}})
	if !errors.Is(err, scalelite.ErrInvalid) {
		t.Errorf("AddTenant(%q) again: error = %v; want %v (names are unique)", "school1", err, scalelite.ErrInvalid)
	}

	got, err := c.admin.GetTenantInfo(ctx, t1.ID)
	if err != nil {
		t.Fatalf("GetTenantInfo(%q): %v", t1.ID, err)
	}
	if diff := cmp.Diff(t1, got); diff != "" {
		t.Errorf("GetTenantInfo(%q) mismatch (-want +got):\n%s", t1.ID, diff)
	}

	up, err := c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Name: "school9"})
	if err != nil {
		t.Fatalf("UpdateTenant(%q, name school9): %v", t1.ID, err)
	}
	if up.Name != "school9" {
		t.Errorf("UpdateTenant().Name = %q; want %q", up.Name, "school9")
	}
	if diff := cmp.Diff([]string{"s1a", "s1b"}, up.Secrets); diff != "" {
		t.Errorf("UpdateTenant(name only).Secrets mismatch (-want +got), secrets stay when not given:\n%s", diff)
	}
	up, err = c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Secrets: []string{"new"}})
	if err != nil {
		t.Fatalf("UpdateTenant(%q, secrets): %v", t1.ID, err)
	}
	if diff := cmp.Diff([]string{"new"}, up.Secrets); diff != "" {
		t.Errorf("UpdateTenant(secrets).Secrets mismatch (-want +got):\n%s", diff)
	}

	list, err = c.admin.GetTenants(ctx)
	if err != nil {
		t.Fatalf("GetTenants(): %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("GetTenants() returned %d tenants; want 1", len(list))
	}
	if list[0].Name != "school9" {
		t.Errorf("GetTenants()[0].Name = %q; want %q", list[0].Name, "school9")
	}

	if err := c.admin.DeleteTenant(ctx, t1.ID); err != nil {
		t.Fatalf("DeleteTenant(%q): %v", t1.ID, err)
	}
	_, err = c.admin.GetTenantInfo(ctx, t1.ID)
	if !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("GetTenantInfo(deleted) error = %v; want %v", err, scalelite.ErrNotFound)
	}
	if err := c.admin.DeleteTenant(ctx, t1.ID); !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("DeleteTenant(deleted) = %v; want %v", err, scalelite.ErrNotFound)
	}
	_, err = c.admin.UpdateTenant(ctx, t1.ID, &scalelite.UpdateTenantParams{Name: "x1"})
	if !errors.Is(err, scalelite.ErrNotFound) {
		t.Errorf("UpdateTenant(deleted) error = %v; want %v", err, scalelite.ErrNotFound)
	}
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
			if err != nil {
				t.Fatalf("http.NewRequest(%s, %s): %v", tt.method, tt.url, err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.url, err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s: status %d; want %d (body %s)", tt.method, tt.url, resp.StatusCode, tt.status, b)
			}
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("%s %s: body %s; want it to contain %s", tt.method, tt.url, b, tt.want)
			}
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
		if _, err := c.create(ctx, id, nil); err != nil {
			t.Fatalf("create(%q): %v", id, err)
		}
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
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("Poll(): %v", err)
	}
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("Poll(): %v", err)
	}
	_ = c.admin.PanicServer(ctx, c.ids[0], nil)
	out := logs.String()
	if out == "" {
		t.Fatalf("log is empty; want the failures logged")
	}
	for _, secret := range []string{c.sl.Secret, c.workers[0].Secret, c.workers[1].Secret} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains the secret %q:\n%s", secret, out)
		}
	}
	if m := regexp.MustCompile(`checksum=[0-9a-fA-F]{40}`).FindString(out); m != "" {
		t.Errorf("log contains a checksum (%s):\n%s", m, out)
	}
}

type syncBuffer = syncbuf.Buffer
