package scheduler

import (
	"context"
	"time"
)

// Scalelite's defaults for the load formula.
const (
	// DefaultMinUsers is the number of users a young meeting counts as at
	// least (Scalelite's LOAD_MIN_USER_COUNT).
	DefaultMinUsers = 15
	// DefaultJoinBuffer is how long a meeting counts as young
	// (Scalelite's LOAD_JOIN_BUFFER_TIME).
	DefaultJoinBuffer = 15 * time.Minute
)

// Meeting is what the poller needs to know about one meeting running on a
// server.
type Meeting struct {
	// ID is the external meeting ID (BBB's meetingID).
	ID string
	// CreateTime is when the meeting was created.
	CreateTime time.Time
	// IsBreakout is true for breakout rooms.
	IsBreakout bool
	// ParticipantCount is the number of users in the meeting, moderators
	// included (BBB's participantCount).
	ParticipantCount int
	// ModeratorCount is the number of moderators; they are already part of
	// ParticipantCount.
	ModeratorCount int
	// VideoCount is the number of video streams.
	VideoCount int
}

// MeetingLister lists the meetings running on a server; the poller calls it
// once per server and poll, with a context that carries the poll timeout.
// Implementations must be safe for concurrent use and must not put the
// server's secret in their errors.
type MeetingLister interface {
	ListMeetings(ctx context.Context, srv Server) ([]Meeting, error)
}

// MeetingListerFunc adapts a function to MeetingLister.
type MeetingListerFunc func(ctx context.Context, srv Server) ([]Meeting, error)

// ListMeetings calls f(ctx, srv).
func (f MeetingListerFunc) ListMeetings(ctx context.Context, srv Server) ([]Meeting, error) {
	return f(ctx, srv)
}

// LoadFunc computes a server's load, before its load multiplier, from the
// meetings a poll found on it. now is the poll time from the Scheduler's
// clock.
type LoadFunc func(now time.Time, meetings []Meeting) float64

// ScaleliteLoad returns Scalelite's load formula: the sum, over non-breakout
// meetings, of the meeting's users, where a meeting created less than buffer
// before now counts as at least minUsers users. Unlike Scalelite it counts
// moderators once (BBB's participantCount already includes them).
// Non-positive arguments select the defaults (DefaultMinUsers,
// DefaultJoinBuffer).
func ScaleliteLoad(minUsers int, buffer time.Duration) LoadFunc {
	if minUsers <= 0 {
		minUsers = DefaultMinUsers
	}
	if buffer <= 0 {
		buffer = DefaultJoinBuffer
	}
	return func(now time.Time, meetings []Meeting) float64 {
		young := now.Add(-buffer)
		total := 0
		for _, m := range meetings {
			if m.IsBreakout {
				continue
			}
			users := max(m.ParticipantCount, 0)
			if m.CreateTime.After(young) {
				users = max(users, minUsers)
			}
			total += users
		}
		return float64(total)
	}
}

// MeetingCountLoad is a LoadFunc that counts non-breakout meetings, the
// formula Scalelite used before version 1.0.11. Use it with
// WithReservation(1).
func MeetingCountLoad(_ time.Time, meetings []Meeting) float64 {
	n := 0
	for _, m := range meetings {
		if !m.IsBreakout {
			n++
		}
	}
	return float64(n)
}
