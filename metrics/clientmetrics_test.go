package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
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
