package webhooks

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reason says why Handler refused a delivery. The values are short,
// lower-case and stable, so they can serve as metric label values.
type Reason string

// The reasons a delivery is refused, with the HTTP status Handler answers.
const (
	ReasonMethod          Reason = "method_not_allowed"       // 405: not a POST
	ReasonContentType     Reason = "unsupported_content_type" // 415: not application/x-www-form-urlencoded
	ReasonTooLarge        Reason = "too_large"                // 413: body above the size limit
	ReasonBodyRead        Reason = "body_read"                // 400: body truncated or unreadable
	ReasonUnauthenticated Reason = "unauthenticated"          // 401: checksum or bearer token wrong or missing
	ReasonStale           Reason = "stale"                    // 401: timestamp outside the accepted age (see WithMaxAge)
	ReasonMalformed       Reason = "malformed"                // 400: form or event JSON undecodable
	ReasonInFlight        Reason = "duplicate_in_flight"      // 503: a copy is still being handled and the request ended first
	ReasonCallback        Reason = "callback_failed"          // 500: the DeliveryFunc returned an error or panicked
)

// Reasons lists every Reason, for callers that pre-create metric series.
func Reasons() []Reason {
	return []Reason{ReasonMethod, ReasonContentType, ReasonTooLarge, ReasonBodyRead,
		ReasonUnauthenticated, ReasonStale, ReasonMalformed, ReasonInFlight, ReasonCallback}
}

// Outcome describes how Handler answered one request. It is passed to the
// function given with WithObserver, so that a metrics package can count
// deliveries without this package depending on it.
type Outcome struct {
	// Status is the HTTP status sent.
	Status int
	// Accepted is true when the delivery was handed to the DeliveryFunc and
	// it returned nil, or when it was a duplicate of such a delivery.
	Accepted bool
	// Duplicate is true for an accepted repeat absorbed by WithDedup.
	Duplicate bool
	// Reason is empty when Accepted, else why the delivery was refused.
	Reason Reason
	// Events is the number of events in the delivery (0 if not decoded).
	Events int
	// Auth is how the delivery was authenticated (0 if it was not).
	Auth AuthMethod
	// Err is the cause of a refusal, safe to log (it never holds secrets,
	// checksums or the body), or the DeliveryFunc's error.
	Err error
	// Duration is the time spent in ServeHTTP.
	Duration time.Duration
}

// Stats is a snapshot of Handler's counters since it was created.
type Stats struct {
	Accepted   uint64            // deliveries accepted, duplicates included
	Duplicates uint64            // accepted deliveries absorbed as duplicates
	Events     uint64            // events handed to the DeliveryFunc
	Rejected   map[Reason]uint64 // refused deliveries by reason
}

// counters are Handler's running totals.
type counters struct {
	accepted, duplicates, events atomic.Uint64
	rejected                     sync.Map // Reason -> *atomic.Uint64
}

func (c *counters) record(o *Outcome) {
	if o.Accepted {
		c.accepted.Add(1)
		if o.Duplicate {
			c.duplicates.Add(1)
		} else {
			c.events.Add(uint64(o.Events))
		}
		return
	}
	v, ok := c.rejected.Load(o.Reason)
	if !ok {
		v, _ = c.rejected.LoadOrStore(o.Reason, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Accepted:   c.accepted.Load(),
		Duplicates: c.duplicates.Load(),
		Events:     c.events.Load(),
		Rejected:   make(map[Reason]uint64),
	}
	c.rejected.Range(func(k, v any) bool {
		s.Rejected[k.(Reason)] = v.(*atomic.Uint64).Load()
		return true
	})
	return s
}
