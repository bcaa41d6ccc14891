package scheduler

import (
	"context"
	"time"
)

// Store holds the scheduler's state: servers, their loads and the meeting
// mappings. Every method is atomic with respect to every other one, also
// across processes for a shared store, and must be safe for concurrent use.
//
// The Scheduler validates arguments before calling a Store, so stores may
// assume well-formed input. Stores return ErrServerNotFound,
// ErrServerExists, ErrMeetingNotFound, ErrNoServer and ErrTagUnavailable
// (possibly wrapped) where documented; any other error is a storage failure.
//
// Invariant kept by every Store: a meeting mapping only ever points at a
// server that exists, is online and is enabled or cordoned. Whatever breaks
// that (a state change to disabled, deletion, a poll that takes the server
// offline) removes the server's mappings in the same atomic step.
//
// Package storetest checks these rules for any implementation.
type Store interface {
	// AddServer stores a new server as given (the Scheduler sets State to
	// disabled and Online to false). It returns ErrServerExists when the
	// ID is taken.
	AddServer(ctx context.Context, srv Server) error
	// Server returns one server, or ErrServerNotFound.
	Server(ctx context.Context, id string) (Server, error)
	// Servers returns every server, sorted by ID.
	Servers(ctx context.Context) ([]Server, error)
	// UpdateServer applies u and returns the server as updated. When u
	// disables the server it also removes the server's meeting mappings
	// and returns their meeting IDs. Changing the multiplier rescales the
	// current load. ErrServerNotFound if there is no such server.
	UpdateServer(ctx context.Context, id string, u ServerUpdate) (srv Server, cleared []string, err error)
	// DeleteServer removes the server and its meeting mappings and returns
	// the meeting IDs. ErrServerNotFound if there is no such server.
	DeleteServer(ctx context.Context, id string) (cleared []string, err error)
	// ClearServer removes every meeting mapping of the server and returns
	// the meeting IDs; the pending reservations go with them. With
	// disable it also sets the state to disabled (Scalelite's panic).
	// ErrServerNotFound if there is no such server.
	ClearServer(ctx context.Context, id string, disable bool) (srv Server, cleared []string, err error)

	// Pick returns the server holding req.MeetingID, if any, with
	// Existing set (whatever its state, site or load). Otherwise it
	// chooses among accepting servers (enabled, online and not full) in
	// the tag groups given by req.Tags.Groups(): the primary groups first,
	// the fallback groups only when no primary server accepts. Within
	// those groups it takes the first site of req.Sites that has an
	// accepting server, then servers of any other site (including no
	// site); within that set the one with the lowest Load (ties go to the
	// smallest ID). It maps the meeting to it with placement time req.Now
	// and adds req.Reservation times the server's multiplier to its Load,
	// all in one atomic step. It returns ErrNoServer when no server
	// qualifies, or ErrTagUnavailable when req.Tags.Required and no server
	// in the primary groups accepts.
	Pick(ctx context.Context, req PickRequest) (Placement, error)
	// Lookup returns the server holding a meeting, or ErrMeetingNotFound.
	Lookup(ctx context.Context, meetingID string) (Server, error)
	// Release removes a meeting mapping (the meeting ended, or its create
	// failed). If no poll has seen the meeting yet, its reservation is
	// taken off the server's load. It returns the server ID the meeting
	// was on, or ErrMeetingNotFound.
	Release(ctx context.Context, meetingID string) (serverID string, err error)
	// AddLoad adds units times the multiplier to the load of an available
	// server (a join, say); it does nothing for other servers and returns
	// ErrServerNotFound if there is no such server.
	AddLoad(ctx context.Context, serverID string, units float64) error
	// MeetingIDs returns the IDs of the meetings mapped to a server,
	// sorted. ErrServerNotFound if there is no such server.
	MeetingIDs(ctx context.Context, serverID string) ([]string, error)

	// ApplyPoll records the result of polling one server; see PollResult
	// for the rules. ErrServerNotFound if the server was deleted meanwhile.
	ApplyPoll(ctx context.Context, serverID string, r PollResult) (PollOutcome, error)
}

// PickRequest is the argument of Store.Pick.
type PickRequest struct {
	// MeetingID is the meeting to place.
	MeetingID string
	// Tags is the parsed tag argument.
	Tags TagQuery
	// Sites is the site preference order (may be empty: no preference).
	Sites []string
	// Reservation is the load, in units before the multiplier, added to
	// the chosen server for a new placement.
	Reservation float64
	// Now is the placement time.
	Now time.Time
}

// PollResult is what one poll of one server found; it is the argument of
// Store.ApplyPoll, which applies these rules atomically:
//
// A failed poll (OK false) resets the healthy counter; if the server is
// online it increments the unhealthy counter, and when that reaches
// UnhealthyThreshold the server goes offline: counters reset, Load 0 and all
// of its meeting mappings removed.
//
// A good poll resets the unhealthy counter and records Meetings, Users and
// PolledAt. If the server is offline it increments the healthy counter, and
// when that reaches HealthyThreshold the server goes online (counters
// reset). If the server is then online and not disabled:
//   - each meeting of MeetingIDs that is not mapped is mapped to this server
//     (adopted) as already seen; meetings mapped to another server stay there;
//   - each meeting mapped to this server that is missing from MeetingIDs is
//     removed if a poll saw it before or if it was placed before
//     PendingCutoff; otherwise it is still pending (its create may not have
//     reached the server yet) and keeps its reservation;
//   - a cordoned server with no meetings and nothing pending becomes
//     disabled.
//
// A Full server keeps its mappings and goes on being polled; it takes new
// meetings again once its Load is below its Capacity.
//
// An online server's Load becomes (Load + the pending reservations) times
// the multiplier, whatever its state; a server that is offline after the
// poll has Load 0.
type PollResult struct {
	// OK is true when the server answered.
	OK bool
	// Now is the poll's start time.
	Now time.Time
	// MeetingIDs lists every meeting the server reported (breakout rooms
	// included).
	MeetingIDs []string
	// Load is the computed load in units, before the multiplier.
	Load float64
	// Users is the number of users in all meetings.
	Users int
	// PendingCutoff: mappings placed before it that the poll does not show
	// are removed even if no poll ever saw them.
	PendingCutoff time.Time
	// HealthyThreshold is the number of good polls in a row that bring an
	// offline server online (>= 1).
	HealthyThreshold int
	// UnhealthyThreshold is the number of failed polls in a row that take
	// an online server offline (>= 1).
	UnhealthyThreshold int
	// Token, when not 0, is the fencing token of the poller lease the
	// poll was made under (see LeaseStore): the store refuses the write
	// with ErrLeaseLost, in the same atomic step, unless the lease is held
	// with this token right now.
	Token int64
}

// PollOutcome is what Store.ApplyPoll changed.
type PollOutcome struct {
	// Server is the server after the poll.
	Server Server
	// WentOnline and WentOffline report a change of the online flag.
	WentOnline, WentOffline bool
	// Disabled reports that a cordoned server was found empty and
	// disabled.
	Disabled bool
	// Cleared lists the meeting mappings removed, Adopted those added.
	Cleared, Adopted []string
}
