package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
)

// node is one BigBlueButton server of the target: what the balancer says of
// it, or what the config named. Secret never reaches an output.
type node struct {
	ID             string
	URL            string
	Secret         string
	Tag            string
	Site           string
	Capacity       float64 // 0: not set
	State          string
	Online         bool
	Load           scalelite.Load
	LoadMultiplier float64
	Version        string
}

// servers lists the target's servers: from getServers on a balancer, the
// fixed list otherwise. The first call after connect detected the balancer
// uses the list the detection got; later calls ask again.
func (t *target) servers(ctx context.Context) ([]node, error) {
	if t.admin == nil {
		return append([]node(nil), t.fixed...), nil
	}
	list := t.detected
	t.detected = nil
	if list == nil {
		var err error
		if list, err = t.admin.GetServers(ctx); err != nil {
			return nil, err
		}
	}
	nodes := make([]node, 0, len(list))
	for _, s := range list {
		nodes = append(nodes, node{
			ID: s.ID, URL: s.URL, Secret: s.Secret, Tag: s.Tag, Site: s.Site, Capacity: s.Capacity,
			State: string(s.State), Online: s.Online, Load: s.Load, LoadMultiplier: s.LoadMultiplier, Version: s.BBBVersion,
		})
	}
	return nodes, nil
}

// find returns the server that ref names: its ID, URL or host name.
func find(nodes []node, ref string) (node, error) {
	var hits []node
	for _, n := range nodes {
		if n.ID == ref || n.URL == ref || strings.TrimSuffix(n.URL, "/") == strings.TrimSuffix(ref, "/") || hostOf(n.URL) == ref {
			hits = append(hits, n)
		}
	}
	switch len(hits) {
	case 0:
		return node{}, fmt.Errorf("no server %q", ref)
	case 1:
		return hits[0], nil
	}
	return node{}, fmt.Errorf("%q names %d servers; give its ID", ref, len(hits))
}

// client is a BigBlueButton API client for n, signed with its own secret.
func (t *target) client(n node) (*bbb.Client, error) {
	if n.Secret == "" {
		return nil, errors.New("the balancer did not give this server's secret")
	}
	c, err := bbb.New(n.URL, n.Secret, bbb.WithHTTPClient(t.hc), bbb.WithTimeout(t.timeout))
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", n.ID, err)
	}
	return c, nil
}

// eachServer runs fn for every server at once, each under the per-server
// timeout, and returns the results in the order of nodes.
func eachServer[T any](ctx context.Context, t *target, nodes []node, fn func(ctx context.Context, c *bbb.Client, n node) (T, error)) ([]T, []error) {
	results := make([]T, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			c, err := t.client(n)
			if err != nil {
				errs[i] = err
				return
			}
			sctx, cancel := context.WithTimeout(ctx, t.timeout)
			defer cancel()
			results[i], errs[i] = fn(sctx, c, n)
		})
	}
	wg.Wait()
	return results, errs
}
