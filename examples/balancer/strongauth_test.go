package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequireStrongAuthFlag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	for _, tt := range []struct {
		args       []string
		legacyWork bool
	}{
		{nil, true},
		{[]string{"-require-strong-auth"}, false},
	} {
		addr, _ := balancer(t, tt.args...)
		strong, err := scalelite.New("http://"+addr, secret, scalelite.WithHTTPClient(hc))
		require.NoError(t, err)
		_, err = strong.GetServers(ctx)
		require.NoError(t, err, "%v", tt.args)
		legacy, err := scalelite.New("http://"+addr, secret, scalelite.WithHTTPClient(hc), scalelite.WithLegacyAuth())
		require.NoError(t, err)
		_, err = legacy.GetServers(ctx)
		if tt.legacyWork {
			assert.NoError(t, err, "Scalelite's scheme is accepted by default")
		} else {
			assert.ErrorIs(t, err, scalelite.ErrChecksum, "-require-strong-auth refuses Scalelite's scheme")
		}
	}
}
