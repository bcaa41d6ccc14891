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
