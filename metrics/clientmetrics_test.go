package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

func TestClientMetrics(t *testing.T) {
	t.Parallel()
	srv, _ := newFake(t)
	cm, err := NewClientMetrics()
	if err != nil {
		t.Fatal(err)
	}
	client, err := bbb.New(srv.APIURL(), srv.Secret, bbb.WithHTTPClient(srv.Client()),
		bbb.WithObserver(cm.Observer("bbb1")),
		bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.GetMeetings(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Version(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetMeetingInfo(ctx, "nope"); !errors.Is(err, bbb.ErrNotFound) {
		t.Fatalf("getMeetingInfo = %v, want not found", err)
	}
	// A 503 then a success: two attempts, one retry.
	srv.InjectFault(bbbtest.Fault{Call: "getMeetings", Status: http.StatusServiceUnavailable})
	if _, err := client.GetMeetings(ctx); err != nil {
		t.Fatal(err)
	}
	srv.SetDown(true)
	if _, err := client.IsMeetingRunning(ctx, "x"); err == nil {
		t.Fatal("call to a down server succeeded")
	}
	// bbb reports an attempt after decoding its answer, so the FAILED
	// getMeetingInfo answer (HTTP 200) counts as "failed".
	text := exposition(t, cm)
	got := grepLines(text, "bbbkit_client_requests_total", "bbbkit_client_retries_total")
	want := `bbbkit_client_requests_total{call="getMeetingInfo",outcome="failed",server="bbb1"} 1
bbbkit_client_requests_total{call="getMeetings",outcome="http_error",server="bbb1"} 1
bbbkit_client_requests_total{call="getMeetings",outcome="success",server="bbb1"} 2
bbbkit_client_requests_total{call="isMeetingRunning",outcome="transport_error",server="bbb1"} 2
bbbkit_client_requests_total{call="root",outcome="success",server="bbb1"} 1
bbbkit_client_retries_total{call="getMeetings",server="bbb1"} 1
bbbkit_client_retries_total{call="isMeetingRunning",server="bbb1"} 1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := testutil.CollectAndCount(cm, "bbbkit_client_request_duration_seconds"); n != 5 {
		t.Errorf("duration series = %d, want 5", n)
	}
	if strings.Contains(text, srv.Secret) || checksumValue.MatchString(text) {
		t.Error("client metrics expose a secret or checksum")
	}
}

func TestNewClientMetricsRejectsBadBuckets(t *testing.T) {
	t.Parallel()
	for _, b := range [][]float64{{2, 1}, {-1}, {nan()}} {
		if _, err := NewClientMetrics(b...); err == nil {
			t.Errorf("buckets %v accepted", b)
		}
	}
}

// TestClientMetricsCountsEveryClient: one ClientMetrics watches a bbb, a
// Scalelite admin and a Greenlight client, and all three show up in the
// same exposition.
func TestClientMetricsCountsEveryClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cm, err := NewClientMetrics()
	if err != nil {
		t.Fatal(err)
	}
	bbbSrv, _ := newFake(t)
	bc, err := bbb.New(bbbSrv.APIURL(), bbbSrv.Secret, bbb.WithHTTPClient(bbbSrv.Client()), bbb.WithObserver(cm.Observer("bbb1")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bc.GetMeetings(ctx); err != nil {
		t.Fatal(err)
	}

	const balancerSecret = "balancer-secret-for-metrics-1"
	h, err := scalelitetest.NewHandler(scalelitetest.WithSecret(balancerSecret))
	if err != nil {
		t.Fatal(err)
	}
	slSrv := httptest.NewServer(h)
	defer slSrv.Close()
	sc, err := scalelite.New(slSrv.URL, balancerSecret, scalelite.WithObserver(cm.Observer("balancer")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.GetServers(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.GetServerInfo(ctx, "no-such-server"); !errors.Is(err, scalelite.ErrNotFound) {
		t.Fatalf("getServerInfo = %v, want not found", err)
	}

	glSrv := greenlighttest.NewServer()
	defer glSrv.Close()
	gc, err := greenlight.New(glSrv.URL, greenlight.WithObserver(cm.Observer("portal")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gc.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword); err != nil {
		t.Fatal(err)
	}

	text := exposition(t, cm)
	got := grepLines(text, "bbbkit_client_requests_total")
	want := `bbbkit_client_requests_total{call="GET /",outcome="success",server="portal"} 1
bbbkit_client_requests_total{call="POST /api/v1/sessions.json",outcome="success",server="portal"} 1
bbbkit_client_requests_total{call="getMeetings",outcome="success",server="bbb1"} 1
bbbkit_client_requests_total{call="getServerInfo",outcome="failed",server="balancer"} 1
bbbkit_client_requests_total{call="getServers",outcome="success",server="balancer"} 1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(text, balancerSecret) || checksumValue.MatchString(text) {
		t.Error("client metrics expose a secret or checksum")
	}
}
