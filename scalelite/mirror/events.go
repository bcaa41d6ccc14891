package mirror

import "sync/atomic"

// EventKind says what an Event reports.
type EventKind int

// The kinds of events Sync reports.
const (
	// EventPlan is sent once after the manifests were compared: Total is
	// the number of bytes to transfer, Recordings the number of
	// recordings to bring in.
	EventPlan EventKind = iota + 1
	// EventStart: a recording starts transferring; Total is its size to
	// transfer.
	EventStart
	// EventBytes: Bytes more bytes of Format/Path arrived; Done and Total
	// are the recording's progress, SyncDone and SyncTotal the whole sync's.
	EventBytes
	// EventDone: the recording was verified and is now visible.
	EventDone
	// EventUnchanged: the recording is already up to date.
	EventUnchanged
	// EventFailed: the recording could not be mirrored; Err says why. It
	// stays as it was at the destination (or absent).
	EventFailed
	// EventDeleted: the recording (Format, or every format when empty) was
	// removed from the destination because the source no longer has it.
	EventDeleted
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventPlan:
		return "plan"
	case EventStart:
		return "start"
	case EventBytes:
		return "bytes"
	case EventDone:
		return "done"
	case EventUnchanged:
		return "unchanged"
	case EventFailed:
		return "failed"
	case EventDeleted:
		return "deleted"
	}
	return "unknown"
}

// Event is a progress report from Sync. Events are delivered one at a time
// (the callback is never called concurrently) and the callback must not
// block for long, since transfers wait for it.
type Event struct {
	Kind       EventKind
	RecordID   string
	Format     string
	Path       string
	Bytes      int64 // EventBytes: bytes in this step
	Done       int64 // bytes of this recording transferred so far
	Total      int64 // bytes of this recording to transfer
	SyncDone   int64 // bytes of the whole sync transferred so far
	SyncTotal  int64 // bytes the whole sync transfers
	Recordings int   // EventPlan: recordings to transfer
	Err        error // EventFailed
}

// Counters accumulates events into totals that a metrics exporter can read
// without this package depending on one. Pass its Observe method to
// WithProgress (directly or from your own callback). It is safe for
// concurrent use; the zero value is ready.
type Counters struct {
	bytes, copied, unchanged, failed, deleted atomic.Int64
}

// CounterValues is a snapshot of Counters.
type CounterValues struct {
	Bytes     int64 // bytes transferred
	Copied    int64 // recordings brought in (new or changed)
	Unchanged int64 // recordings found up to date
	Failed    int64 // recordings that failed
	Deleted   int64 // recordings or formats deleted
}

// Observe adds one event to the counters.
func (c *Counters) Observe(e Event) {
	switch e.Kind {
	case EventBytes:
		c.bytes.Add(e.Bytes)
	case EventDone:
		c.copied.Add(1)
	case EventUnchanged:
		c.unchanged.Add(1)
	case EventFailed:
		c.failed.Add(1)
	case EventDeleted:
		c.deleted.Add(1)
	}
}

// Values returns the current totals.
func (c *Counters) Values() CounterValues {
	return CounterValues{
		Bytes:     c.bytes.Load(),
		Copied:    c.copied.Load(),
		Unchanged: c.unchanged.Load(),
		Failed:    c.failed.Load(),
		Deleted:   c.deleted.Load(),
	}
}
