package main

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
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
		strong, err := scalelite.New("http://"+addr, secret, bbb.WithHTTPClient(hc))
		if err != nil {
			t.Fatalf("scalelite.New(\"http://\"+addr, secret, bbb.WithHTTPClient(hc)): %v", err)
		}
		_, err = strong.GetServers(ctx)
		if err != nil {
			t.Fatalf("strong.GetServers(ctx): %v (%v)", err, tt.args)
		}
		legacy, err := scalelite.New("http://"+addr, secret, bbb.WithHTTPClient(hc), scalelite.WithLegacyAuth())
		if err != nil {
			t.Fatalf("scalelite.New(...): %v", err)
		}
		_, err = legacy.GetServers(ctx)
		if tt.legacyWork {
			if err != nil {
				t.Errorf("err: %v (Scalelite's scheme is accepted by default)", err)
			}
		} else {
			if !errors.Is(err, scalelite.ErrChecksum) {
				t.Errorf("err = %v; want scalelite.ErrChecksum (-require-strong-auth refuses Scalelite's scheme)", err)
			}
		}
	}
}
