package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	Capacity       int // 0: not set
	State          string
	Online         bool
	Load           scalelite.Load
	LoadMultiplier float64
	Version        string
}

// siteFields are the fields of bbbkit's balancer with sites (issue 16)
// that scalelite.Server does not carry yet; absent means empty.
type siteFields struct {
	Site     string `json:"site"`
	Capacity int    `json:"capacity"`
}

// servers lists the target's servers: from getServers on a balancer, the
// fixed list otherwise.
func (t *target) servers(ctx context.Context) ([]node, error) {
	if t.admin == nil {
		return append([]node(nil), t.fixed...), nil
	}
	raw, err := t.getServersRaw(ctx)
	if err != nil {
		return nil, err
	}
	nodes := make([]node, 0, len(raw))
	for _, r := range raw {
		var s scalelite.Server
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fmt.Errorf("getServers: %w", err)
		}
		var extra siteFields
		_ = json.Unmarshal(r, &extra) // wrong types read as empty
		nodes = append(nodes, node{
			ID: s.ID, URL: s.URL, Secret: s.Secret, Tag: s.Tag, Site: extra.Site, Capacity: extra.Capacity,
			State: string(s.State), Online: s.Online, Load: s.Load, LoadMultiplier: s.LoadMultiplier, Version: s.BBBVersion,
		})
	}
	return nodes, nil
}

// getServersRaw calls getServers and keeps each server object raw, so that
// fields newer than scalelite.Server (site, capacity) can be read. Errors
// come from the typed client, which knows Scalelite's error shapes.
func (t *target) getServersRaw(ctx context.Context) ([]json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.admin.SignedURL("getServers", nil), nil)
	if err != nil {
		return nil, errors.New("getServers: bad balancer URL")
	}
	resp, err := t.hc.Do(req)
	if err == nil {
		defer resp.Body.Close()
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		var raw []json.RawMessage
		if rerr == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(body, &raw) == nil {
			return raw, nil
		}
	}
	// Not a JSON list: let the client name the error.
	if _, err := t.admin.GetServers(ctx); err != nil {
		return nil, err
	}
	return nil, errors.New("getServers: the balancer's answer is not a list of servers")
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
