package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// TestWebhookPoolMetrics drives a real Reconciler over two fake servers,
// one of them down, then drops that one from the pool.
func TestWebhookPoolMetrics(t *testing.T) {
	t.Parallel()
	up, down := bbbtest.NewServer(), bbbtest.NewServer()
	defer up.Close()
	defer down.Close()
	down.SetDown(true)
	m := NewWebhookPoolMetrics()
	servers := pool.Static{{ID: "up", URL: up.APIURL(), Secret: up.Secret}, {ID: "down", URL: down.APIURL(), Secret: down.Secret}}
	current := servers
	rec, err := pool.New(pool.ListerFunc(func(ctx context.Context) ([]pool.Server, error) { return current.Servers(ctx) }),
		webhooks.CreateParams{CallbackURL: "http://127.0.0.1:1/cb"}, pool.WithObserver(m.Observe),
		pool.WithBBBOptions(bbb.WithTimeout(time.Second), bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 1})))
	if err != nil {
		t.Fatal(err)
	}
	_ = rec.Sync(context.Background())
	_ = rec.Sync(context.Background())
	want := `
# HELP bbbkit_webhook_pool_checks_total Checks of the webhook registration on each pool server, by result
# TYPE bbbkit_webhook_pool_checks_total counter
bbbkit_webhook_pool_checks_total{result="created",server="up"} 1
bbbkit_webhook_pool_checks_total{result="error",server="down"} 2
bbbkit_webhook_pool_checks_total{result="present",server="up"} 1
# HELP bbbkit_webhook_pool_registered Whether the last check found or made the hook on the server (1) or failed (0)
# TYPE bbbkit_webhook_pool_registered gauge
bbbkit_webhook_pool_registered{server="down"} 0
bbbkit_webhook_pool_registered{server="up"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "bbbkit_webhook_pool_checks_total", "bbbkit_webhook_pool_registered"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m, "bbbkit_webhook_pool_check_duration_seconds"); n != 1 {
		t.Fatalf("duration series: %d", n)
	}
	current = servers[:1]
	_ = rec.Sync(context.Background())
	if n := testutil.CollectAndCount(m, "bbbkit_webhook_pool_registered"); n != 1 {
		t.Fatalf("removed server keeps its series: %d", n)
	}
}
