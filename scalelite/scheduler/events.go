package scheduler

import (
	"strconv"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventPlaced: Pick placed a new meeting (MeetingID, ServerID, Load
	// after the reservation).
	EventPlaced EventKind = iota + 1
	// EventReused: Pick found the meeting already placed (MeetingID,
	// ServerID).
	EventReused
	// EventPickFailed: Pick found no server (MeetingID, Err).
	EventPickFailed
	// EventReleased: a meeting mapping was released (MeetingID, ServerID).
	EventReleased
	// EventServerAdded: a server was added (ServerID, State).
	EventServerAdded
	// EventServerDeleted: a server was deleted (ServerID, MeetingIDs
	// cleared).
	EventServerDeleted
	// EventStateChanged: a server's administrative state changed, by an
	// update or because a poll found a cordoned server empty (ServerID,
	// State is the new state).
	EventStateChanged
	// EventOnline: a server came online (ServerID).
	EventOnline
	// EventOffline: a server went offline (ServerID).
	EventOffline
	// EventPolled: a server was polled successfully (ServerID, Load,
	// Meetings, Users, Duration).
	EventPolled
	// EventPollFailed: polling a server failed (ServerID, Err is a
	// *PollError, Duration).
	EventPollFailed
	// EventMeetingsCleared: meeting mappings of a server were removed
	// because the server went away or a poll no longer showed them
	// (ServerID, MeetingIDs).
	EventMeetingsCleared
	// EventLeaseAcquired: this Scheduler took the poller lease
	// (WithLease).
	EventLeaseAcquired
	// EventLeaseLost: this Scheduler no longer holds the poller lease
	// (Err says why when it was an error).
	EventLeaseLost
)

var eventKindNames = [...]string{
	EventPlaced:          "placed",
	EventReused:          "reused",
	EventPickFailed:      "pick_failed",
	EventReleased:        "released",
	EventServerAdded:     "server_added",
	EventServerDeleted:   "server_deleted",
	EventStateChanged:    "state_changed",
	EventOnline:          "online",
	EventOffline:         "offline",
	EventPolled:          "polled",
	EventPollFailed:      "poll_failed",
	EventMeetingsCleared: "meetings_cleared",
	EventLeaseAcquired:   "lease_acquired",
	EventLeaseLost:       "lease_lost",
}

// String returns a short snake_case name, suitable as a metric label.
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event reports something the scheduler did. Fields that do not apply to
// the Kind are zero. Events never carry secrets.
type Event struct {
	Kind       EventKind     // what happened
	Time       time.Time     // when, from the Scheduler's clock
	ServerID   string        // the server concerned
	MeetingID  string        // the meeting concerned (placements, releases)
	State      State         // the new state (EventStateChanged, EventServerAdded)
	Load       float64       // the server's load afterwards (placements, polls)
	Meetings   int           // meetings seen by a poll
	Users      int           // users seen by a poll
	MeetingIDs []string      // mappings removed (EventMeetingsCleared, EventServerDeleted)
	Duration   time.Duration // how long a poll took
	Err        error         // the failure (EventPickFailed, EventPollFailed)
}

// Observer receives events. It is called synchronously from the goroutine
// that caused the event, possibly from several goroutines at once, so it
// must be fast and safe for concurrent use.
type Observer func(Event)
