package scalelite

import (
	"context"
	"net/http"
	"time"
)

// SiteCapacity is the capacity of one site, or of all sites (Capacity.Total),
// as a bbbkit balancer reports it. Loads and capacities are in the
// balancer's load unit (users by default).
type SiteCapacity struct {
	Site      string  `json:"site"`      // "" for servers without a site, and in the total
	Servers   int     `json:"servers"`   // every server, whatever its state
	Online    int     `json:"online"`    // servers the poller reaches
	Available int     `json:"available"` // enabled and online
	Accepting int     `json:"accepting"` // available and not full
	Unlimited int     `json:"unlimited"` // available servers without a capacity
	Load      float64 `json:"load"`      // load of the online servers
	Capacity  float64 `json:"capacity"`  // capacity of the available servers that have one
	Free      float64 `json:"free"`      // capacity left on them
	Meetings  int     `json:"meetings"`
	Users     int     `json:"users"`
}

// Capacity is the answer of GetCapacity.
type Capacity struct {
	Sites []SiteCapacity `json:"sites"`
	Total SiteCapacity   `json:"total"`
}

// GetCapacity returns the free capacity per site and in total (bbbkit
// extension getCapacity; Scalelite itself answers unsupportedRequest).
func (c *Client) GetCapacity(ctx context.Context) (*Capacity, error) {
	var out Capacity
	if err := c.do(ctx, call{action: "getCapacity", method: http.MethodGet}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ScalePlan is the answer of GetScalePlan: what a bbbkit balancer's
// autoscaling policy wants done now, in the JSON a -scale-hook command
// reads on its standard input.
type ScalePlan struct {
	// Time is when the plan was made.
	Time time.Time `json:"time"`
	// Actions lists what to do, at most one per site.
	Actions []ScaleAction `json:"actions"`
	// Held lists actions the policy wants but a cooldown holds back.
	Held []ScaleAction `json:"held,omitempty"`
	// Sites is the capacity of each site of the policy.
	Sites []SiteCapacity `json:"sites"`
}

// ScaleAction is one site's part of a ScalePlan: a scale-out or a drain.
type ScaleAction struct {
	// Site names the site ("" for servers without one).
	Site string `json:"site"`
	// ScaleOut is the number of servers to add, of ServerCapacity each.
	ScaleOut int `json:"scaleOut,omitempty"`
	// ServerCapacity is the capacity of each new server.
	ServerCapacity float64 `json:"serverCapacity,omitempty"`
	// Drain lists the IDs of the servers to drain and remove.
	Drain []string `json:"drain,omitempty"`
	// Reason says why, for logs and people.
	Reason string `json:"reason"`
	// Until is, for a held action, when its cooldown ends.
	Until time.Time `json:"until,omitzero"`
}

// GetScalePlan returns the autoscaling plan a bbbkit balancer would make
// now, without acting on it or starting a cooldown (bbbkit extension
// getScalePlan). The error matches ErrNotFound when the balancer runs
// without an autoscaling policy (examples/balancer -scale-policy), and
// ErrUnsupportedRequest on Scalelite itself.
func (c *Client) GetScalePlan(ctx context.Context) (*ScalePlan, error) {
	var out ScalePlan
	if err := c.do(ctx, call{action: "getScalePlan", method: http.MethodGet}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DrainServerParams are the options of DrainServer.
type DrainServerParams struct {
	// Deadline is how long the balancer waits for the meetings to end; 0
	// waits for as long as it takes.
	Deadline time.Duration
	// EndMeetings ends the meetings left at the deadline (after posting
	// Message to their chat); without it the drain stops at the deadline
	// and the server stays cordoned.
	EndMeetings bool
	// Message is posted to the chat of each meeting ended at the deadline.
	Message string
}

type drainBody struct {
	ID              string `json:"id"`
	DeadlineSeconds int64  `json:"deadline_seconds,omitempty"`
	AtDeadline      string `json:"at_deadline,omitempty"`
	Message         string `json:"message,omitempty"`
}

// DrainServer starts draining a server (bbbkit extension drainServer): the
// balancer cordons it, waits until its last meeting ended and deletes it.
// It returns once the drain has started, with the server as cordoned;
// follow it with GetServerInfo (an error matching ErrNotFound once the
// server is gone). p may be nil.
func (c *Client) DrainServer(ctx context.Context, id string, p *DrainServerParams) (*Server, error) {
	const action = "drainServer"
	if id == "" {
		return nil, invalid(action, "id", "is empty")
	}
	b := drainBody{ID: id, AtDeadline: "fail"}
	if p != nil {
		if p.Deadline < 0 {
			return nil, invalid(action, "deadline", "is negative")
		}
		b.DeadlineSeconds = int64((p.Deadline + time.Second - 1) / time.Second)
		b.Message = p.Message
		if p.EndMeetings {
			b.AtDeadline = "end"
		}
	}
	var out Server
	if err := c.do(ctx, call{action: action, method: http.MethodPost, body: b}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
