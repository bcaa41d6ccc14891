package pool_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// TestListers: the scheduler's and Scalelite's server lists become pool
// servers with ID, URL and secret; a nil source is an error, not a panic.
func TestListers(t *testing.T) {
	ctx := context.Background()
	bbb1 := bbbtest.NewServer()
	defer bbb1.Close()
	sched, err := scheduler.New()
	require.NoError(t, err)
	_, err = sched.AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret})
	require.NoError(t, err)
	got, err := pool.FromScheduler(sched).Servers(ctx)
	require.NoError(t, err)
	require.Equal(t, []pool.Server{{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret}}, got)

	lb := scalelitetest.NewServer()
	defer lb.Close()
	_, err = lb.Scheduler().AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret})
	require.NoError(t, err)
	got, err = pool.FromScalelite(lb.AdminClient()).Servers(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "bbb1", got[0].ID)
	require.Equal(t, bbb1.Secret, got[0].Secret)

	_, err = pool.FromScheduler(nil).Servers(ctx)
	require.Error(t, err)
	_, err = pool.FromScalelite(nil).Servers(ctx)
	require.Error(t, err)
	require.NotContains(t, pool.Server{ID: "a", URL: "u", Secret: "hidden"}.String(), "hidden")
}
