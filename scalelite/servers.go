package scalelite

import (
	"context"
	"math"
	"net/http"
	"net/url"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// GetServers lists every server, whatever its state. A Scalelite with no
// servers answers 404 "No servers are configured"; GetServers returns an
// empty list and no error for it.
func (c *Client) GetServers(ctx context.Context) ([]Server, error) {
	var out []Server
	if err := c.do(ctx, call{action: "getServers", method: http.MethodGet, noneOK: true}, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Server{}
	}
	return out, nil
}

// GetServerInfo returns one server. An unknown id is an error matching
// ErrNotFound.
func (c *Client) GetServerInfo(ctx context.Context, id string) (*Server, error) {
	const action = "getServerInfo"
	if id == "" {
		return nil, invalid(action, "id", "is empty")
	}
	var out Server
	if err := c.do(ctx, call{action: action, method: http.MethodGet, query: url.Values{"id": {id}}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddServerParams describes a server to add.
type AddServerParams struct {
	// URL is the server's API URL, such as
	// "https://bbb1.example.com/bigbluebutton/api". Required.
	URL string
	// Secret is the server's shared secret. Required.
	Secret string
	// LoadMultiplier scales the server's load; 0 means 1. A weaker server
	// gets a higher multiplier.
	LoadMultiplier float64
	// Tag is an optional special-purpose tag (see meta_server-tag).
	Tag string
	// Site is where the server runs (bbbkit extension "site").
	Site string
	// Capacity is the load at which the server is full; 0 means
	// unlimited (bbbkit extension "capacity").
	Capacity float64
}

type addServerBody struct {
	Server struct {
		URL            string   `json:"url"`
		Secret         string   `json:"secret"`
		LoadMultiplier *float64 `json:"load_multiplier,omitempty"`
		Tag            string   `json:"tag,omitempty"`
		Site           string   `json:"site,omitempty"`
		Capacity       float64  `json:"capacity,omitempty"`
	} `json:"server"`
}

// AddServer adds a server and returns it as Scalelite stored it. The server
// starts disabled: enable it with EnableServer once it is ready.
func (c *Client) AddServer(ctx context.Context, p *AddServerParams) (*Server, error) {
	const action = "addServer"
	if p == nil {
		return nil, invalid(action, "params", "is nil")
	}
	if err := checkServerURL(action, p.URL); err != nil {
		return nil, err
	}
	if p.Secret == "" {
		return nil, invalid(action, "secret", "is empty")
	}
	if err := checkMultiplier(action, p.LoadMultiplier); err != nil {
		return nil, err
	}
	if err := checkCapacity(action, p.Capacity); err != nil {
		return nil, err
	}
	var b addServerBody
	b.Server.URL, b.Server.Secret, b.Server.Tag = p.URL, p.Secret, p.Tag
	b.Server.Site, b.Server.Capacity = p.Site, p.Capacity
	if p.LoadMultiplier != 0 {
		m := p.LoadMultiplier
		b.Server.LoadMultiplier = &m
	}
	var out Server
	if err := c.do(ctx, call{action: action, method: http.MethodPost, body: b, secrets: []string{p.Secret}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateServerParams lists the changes to a server; zero fields are left as
// they are.
type UpdateServerParams struct {
	// State moves the server to enabled, cordoned or disabled.
	State State
	// LoadMultiplier sets a new multiplier (0 leaves it).
	LoadMultiplier float64
	// Secret sets a new shared secret ("" leaves it).
	Secret string
	// Tag sets the tag when non-nil; a pointer to "" removes it. With Go 1.26:
	// Tag: new("gpu").
	Tag *string
	// Site sets the site when non-nil; a pointer to "" removes it (bbbkit
	// extension).
	Site *string
	// Capacity sets the capacity when non-nil; a pointer to 0 removes it
	// (bbbkit extension).
	Capacity *float64
}

type updateServerBody struct {
	ID     string `json:"id"`
	Server struct {
		State          string   `json:"state,omitempty"`
		LoadMultiplier *float64 `json:"load_multiplier,omitempty"`
		Secret         string   `json:"secret,omitempty"`
		Tag            *string  `json:"tag,omitempty"`
		Site           *string  `json:"site,omitempty"`
		Capacity       *float64 `json:"capacity,omitempty"`
	} `json:"server"`
}

// UpdateServer changes a server's state, load multiplier, secret, tag, site
// or capacity and returns the server as updated.
func (c *Client) UpdateServer(ctx context.Context, id string, p *UpdateServerParams) (*Server, error) {
	const action = "updateServer"
	if id == "" {
		return nil, invalid(action, "id", "is empty")
	}
	if p == nil || (p.State == "" && p.LoadMultiplier == 0 && p.Secret == "" && p.Tag == nil && p.Site == nil && p.Capacity == nil) {
		return nil, invalid(action, "params", "change nothing")
	}
	if p.State != "" && !p.State.Valid() {
		return nil, invalid(action, "state", "is not enabled, cordoned or disabled")
	}
	if err := checkMultiplier(action, p.LoadMultiplier); err != nil {
		return nil, err
	}
	var b updateServerBody
	b.ID = id
	b.Server.State = p.State.action()
	if p.LoadMultiplier != 0 {
		m := p.LoadMultiplier
		b.Server.LoadMultiplier = &m
	}
	if p.Capacity != nil {
		if err := checkCapacity(action, *p.Capacity); err != nil {
			return nil, err
		}
	}
	b.Server.Secret, b.Server.Tag, b.Server.Site, b.Server.Capacity = p.Secret, p.Tag, p.Site, p.Capacity
	var out Server
	rq := call{action: action, method: http.MethodPost, body: b}
	if p.Secret != "" {
		rq.secrets = []string{p.Secret}
	}
	if err := c.do(ctx, rq, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// EnableServer lets a server take new meetings (once it is online).
func (c *Client) EnableServer(ctx context.Context, id string) (*Server, error) {
	return c.UpdateServer(ctx, id, &UpdateServerParams{State: StateEnabled})
}

// CordonServer stops new meetings on a server and keeps its running ones.
func (c *Client) CordonServer(ctx context.Context, id string) (*Server, error) {
	return c.UpdateServer(ctx, id, &UpdateServerParams{State: StateCordoned})
}

// DisableServer stops all use of a server. Scalelite keeps the meetings it
// had mapped there; use PanicServer to clear them.
func (c *Client) DisableServer(ctx context.Context, id string) (*Server, error) {
	return c.UpdateServer(ctx, id, &UpdateServerParams{State: StateDisabled})
}

type idBody struct {
	ID string `json:"id"`
}

// DeleteServer removes a server. Scalelite does not clear the meetings it
// had mapped to it: call PanicServer first.
func (c *Client) DeleteServer(ctx context.Context, id string) error {
	const action = "deleteServer"
	if id == "" {
		return invalid(action, "id", "is empty")
	}
	return c.do(ctx, call{action: action, method: http.MethodPost, body: idBody{ID: id}}, nil)
}

// PanicServerParams are the options of PanicServer.
type PanicServerParams struct {
	// KeepState leaves the server's state as it is; by default it becomes
	// disabled.
	KeepState bool
}

type panicBody struct {
	ID        string `json:"id"`
	KeepState bool   `json:"keep_state,omitempty"`
}

// PanicServer ends and forgets every meeting on a server and, unless
// p.KeepState, disables it. p may be nil.
func (c *Client) PanicServer(ctx context.Context, id string, p *PanicServerParams) error {
	const action = "panicServer"
	if id == "" {
		return invalid(action, "id", "is empty")
	}
	b := panicBody{ID: id}
	if p != nil {
		b.KeepState = p.KeepState
	}
	return c.do(ctx, call{action: action, method: http.MethodPost, body: b}, nil)
}

func checkServerURL(action, raw string) error {
	if raw == "" {
		return invalid(action, "url", "is empty")
	}
	u, err := httpcore.ParseAbsoluteURL(raw)
	if err != nil {
		return invalid(action, "url", "is not an absolute http(s) URL")
	}
	if u.User != nil {
		return invalid(action, "url", "must not carry credentials")
	}
	return nil
}

func checkMultiplier(action string, m float64) error {
	if m < 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return invalid(action, "load_multiplier", "must be a positive finite number")
	}
	return nil
}

func checkCapacity(action string, c float64) error {
	if c < 0 || math.IsNaN(c) || math.IsInf(c, 0) {
		return invalid(action, "capacity", "must be a finite number >= 0")
	}
	return nil
}
