package scheduler

import (
	"fmt"
	"strconv"
	"time"
)

// Server is one BigBlueButton server as the scheduler sees it.
//
// Server values are snapshots: changing a field does nothing; use the
// Scheduler's methods. String and GoString never show the secret.
type Server struct {
	// ID identifies the server (a random UUID unless given to AddServer).
	ID string
	// URL is the server's API base URL, e.g.
	// "https://bbb1.example.com/bigbluebutton/api/".
	URL string
	// Secret is the server's BBB shared secret.
	Secret string
	// Tag is the server's tag; "" means untagged.
	Tag string
	// Site names where the server runs (a data centre, a region); ""
	// means no site. Placement prefers sites in a site order (see
	// PreferSites and WithSiteOrder).
	Site string
	// Capacity is the Load at which the server is full, in the unit of
	// Load (users times the multiplier with the default load formula); 0
	// means unlimited. A full server takes no new meetings but keeps the
	// ones it has.
	Capacity float64
	// State is the administrative state.
	State State
	// Online is maintained by the poller: false until a poll succeeds,
	// false again after too many failed polls in a row.
	Online bool
	// LoadMultiplier scales the server's load; a weaker server gets a
	// higher multiplier. It is always > 0 (1 by default).
	LoadMultiplier float64
	// Load is the server's current load: the last polled load plus the
	// reservations of placements the poller has not yet seen, multiplied
	// by LoadMultiplier. Only meaningful when Online.
	Load float64
	// Meetings is the number of meetings seen by the last successful poll.
	Meetings int
	// Users is the number of users (in all meetings, breakout rooms
	// included) seen by the last successful poll.
	Users int
	// PolledAt is the time of the last successful poll (zero if none).
	PolledAt time.Time
}

// Available reports whether the server is enabled and online. An available
// server takes new meetings unless it is Full.
func (s Server) Available() bool { return s.State == StateEnabled && s.Online }

// Full reports whether the server has a Capacity and its Load has reached
// it.
func (s Server) Full() bool { return s.Capacity > 0 && s.Load >= s.Capacity }

// Accepting reports whether the server takes new meetings: available and
// not full.
func (s Server) Accepting() bool { return s.Available() && !s.Full() }

// Free returns the capacity left on the server (Capacity minus Load, never
// below 0), or 0 for a server without a Capacity.
func (s Server) Free() float64 {
	if s.Capacity <= 0 {
		return 0
	}
	return max(s.Capacity-s.Load, 0)
}

// String describes the server without its secret.
func (s Server) String() string {
	online := "offline"
	if s.Online {
		online = "online"
	}
	return fmt.Sprintf("server %s (%s, %s, %s, tag %q, site %q, load %s x%s, capacity %s)", s.ID, s.URL, s.State, online,
		s.Tag, s.Site, strconv.FormatFloat(s.Load, 'f', -1, 64), strconv.FormatFloat(s.LoadMultiplier, 'f', -1, 64),
		strconv.FormatFloat(s.Capacity, 'f', -1, 64))
}

// GoString is like String, so that %#v does not print the secret either.
func (s Server) GoString() string { return "scheduler.Server{" + s.String() + "}" }

// ServerConfig describes a server to add.
type ServerConfig struct {
	// ID is optional; AddServer generates a random UUID when it is empty.
	ID string
	// URL is required: an absolute http or https URL.
	URL string
	// Secret is required.
	Secret string
	// Tag is optional; "" means untagged. It must not contain ";" or end
	// in "!", and must not be "none".
	Tag string
	// LoadMultiplier is optional; 0 means 1. It must not be negative.
	LoadMultiplier float64
	// Site is optional; "" means no site. It must not contain ",",
	// spaces or control characters.
	Site string
	// Capacity is optional; 0 means unlimited. It must be a finite
	// number >= 0.
	Capacity float64
}

// ServerUpdate changes some fields of a server; nil fields stay unchanged.
type ServerUpdate struct {
	// State, when set, changes the administrative state. Disabling a
	// server removes all of its meeting mappings.
	State *State
	// LoadMultiplier, when set, must be > 0. The current load is rescaled
	// to the new multiplier at once.
	LoadMultiplier *float64
	// Secret, when set, must not be empty.
	Secret *string
	// Tag, when set, replaces the tag; "" removes it.
	Tag *string
	// Site, when set, replaces the site; "" removes it.
	Site *string
	// Capacity, when set, replaces the capacity; 0 removes it.
	Capacity *float64
}

// Placement is the result of Pick.
type Placement struct {
	// MeetingID is the meeting that was placed.
	MeetingID string
	// Server is the server that holds the meeting, as of the placement.
	Server Server
	// Existing is true when the meeting was already placed on Server
	// (nothing was reserved), false for a new placement.
	Existing bool
}
