package metrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

// recordingStates are the states bigbluebutton-exporter reports, in the
// order of its bbb_recordings_* gauges.
var recordingStates = [...]string{bbb.StateProcessing, bbb.StatePublished, bbb.StateUnpublished, bbb.StateDeleted}

// recordingsState is the cached recording counts of one server.
type recordingsState struct {
	have        bool // counts hold a successful refresh
	counts      [len(recordingStates)]int
	version     string // bbbVersion of the API root, if it said one
	refreshedAt time.Time
	attemptAt   time.Time
	failed      bool
	running     bool
}

// maybeRefreshRecordings starts a background refresh of t's recording
// counts when they are older than the refresh interval (or the last
// attempt failed longer than the retry delay ago). It never waits for the
// refresh.
func (c *Collector) maybeRefreshRecordings(t *target) {
	if !c.cfg.recordings {
		return
	}
	now := c.cfg.now()
	t.mu.Lock()
	wait := c.cfg.recordingsInterval
	if t.rec.failed {
		wait = c.cfg.recordingsRetry
	}
	due := !t.rec.running && (t.rec.attemptAt.IsZero() || now.Sub(t.rec.attemptAt) >= wait)
	if due {
		t.rec.running, t.rec.attemptAt = true, now
	}
	t.mu.Unlock()
	if !due {
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		t.mu.Lock()
		t.rec.running = false
		t.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.recordingsTimeout)
		defer cancel()
		// At most WithMaxConcurrency refreshes run at once.
		select {
		case c.refreshSem <- struct{}{}:
			defer func() { <-c.refreshSem }()
		case <-ctx.Done():
			t.mu.Lock()
			t.rec.running, t.rec.failed = false, true
			t.mu.Unlock()
			return
		}
		if err := c.refreshOne(ctx, t); err != nil {
			c.cfg.log.Warn("refreshing recording counts failed", "server", t.name, "err", err)
		}
	}()
}

// RefreshRecordings refreshes the recording counts of every server now,
// concurrently, and waits for the result. Scrapes do this on their own in
// the background; call it at startup to have counts from the first scrape,
// or in tests. The error joins the failures of each server.
func (c *Collector) RefreshRecordings(ctx context.Context) error {
	if !c.cfg.recordings {
		return nil
	}
	errs := make([]error, len(c.targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.cfg.maxConcurrency)
	for i, t := range c.targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				errs[i] = fmt.Errorf("metrics: server %s: %w", t.name, ctx.Err())
				return
			}
			t.mu.Lock()
			t.rec.running, t.rec.attemptAt = true, c.cfg.now()
			t.mu.Unlock()
			if err := c.refreshOne(ctx, t); err != nil {
				errs[i] = fmt.Errorf("metrics: server %s: %w", t.name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// refreshOne counts the recordings of t in each state. Against BigBlueButton
// 2.6+ each count is one getRecordings call with limit=1 that reads
// totalElements, so even a server with 185,000 recordings answers a few
// hundred bytes; older servers ignore limit and the full listing is
// counted. It also reads the version from the API root. It clears
// t.rec.running.
func (c *Collector) refreshOne(ctx context.Context, t *target) (err error) {
	var counts [len(recordingStates)]int
	defer func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.rec.running = false
		t.rec.failed = err != nil
		if err == nil {
			t.rec.have, t.rec.counts, t.rec.refreshedAt = true, counts, c.cfg.now()
		}
	}()
	for i, st := range recordingStates {
		start := c.cfg.now()
		page, err := t.client.GetRecordings(ctx, &bbb.GetRecordingsParams{States: []string{st}, Limit: 1})
		c.observeLatency(t, "getRecordings", "state="+st, c.cfg.now().Sub(start), err)
		if err != nil {
			return err
		}
		if page.Paged {
			counts[i] = page.TotalElements
		} else {
			counts[i] = len(page.Recordings)
		}
	}
	v, verr := t.client.Version(ctx)
	t.mu.Lock()
	if verr == nil {
		t.rec.version = labelValue(v.BBBVersion)
	}
	t.mu.Unlock()
	if verr != nil {
		c.cfg.log.Debug("reading the API root failed", "server", t.name, "err", verr)
	}
	return nil
}
