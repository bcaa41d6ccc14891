package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
)

// line is what the program prints for one event.
type line struct {
	Type      webhooks.EventType `json:"type"`
	Meeting   string             `json:"meeting"`
	Timestamp *string            `json:"timestamp"`
	Data      json.RawMessage    `json:"data"`
	// Entry is the event's identity in Redis (-redis), the same when it
	// is printed again after a replica died before acknowledging it.
	Entry string `json:"entry,omitempty"`
}

// lineWriter prints accepted deliveries. All lines of a delivery are written
// and flushed at once, under a lock, so lines of concurrent deliveries never
// interleave; a failed write fails the delivery (500), so bbb-webhooks
// retries it.
type lineWriter struct {
	mu          sync.Mutex
	w           *bufio.Writer
	showSecrets bool
}

func (l *lineWriter) deliver(ctx context.Context, d *webhooks.Delivery) error {
	entry, _ := durable.EntryID(ctx)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range d.Events {
		e := &d.Events[i]
		ln := line{Type: e.Type, Meeting: e.MeetingID, Data: e.JSON, Entry: entry}
		if ln.Meeting == "" {
			ln.Meeting = e.InternalMeetingID
		}
		if !l.showSecrets {
			ln.Data = e.RedactedJSON()
		}
		ts := e.Timestamp
		if ts.IsZero() {
			ts = d.Timestamp
		}
		if !ts.IsZero() {
			s := ts.UTC().Format("2006-01-02T15:04:05.000Z07:00")
			ln.Timestamp = &s
		}
		if err := enc.Encode(&ln); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(buf.Bytes()); err != nil {
		return err
	}
	return l.w.Flush()
}
