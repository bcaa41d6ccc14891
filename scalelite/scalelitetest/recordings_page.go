package scalelitetest

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// maxRecordingsPage is BigBlueButton's largest getRecordings page.
const maxRecordingsPage = 100

// serverCount is what the counting round learned about one server: how
// many recordings match, and all of them when the server ignores paging
// (before BigBlueButton 2.6) and so answered with its whole list.
type serverCount struct {
	n   int
	all []rawItem // non-nil: the server's whole list
	ok  bool
}

// pageParams reads offset and limit as BigBlueButton does (limit 1 to 100,
// default 100); ok is false after it answered a validationError.
func pageParams(w http.ResponseWriter, q url.Values) (offset, limit int, ok bool) {
	read := func(name string, def int) (int, bool) {
		v, present := q[name]
		if !present || len(v) == 0 || v[0] == "" {
			return def, true
		}
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		return n, err == nil
	}
	offset, okOffset := read("offset", 0)
	limit, okLimit := read("limit", maxRecordingsPage)
	switch {
	case !okOffset || offset < 0:
		writeFailed(w, "validationError", "offset must be a non-negative integer")
		return 0, 0, false
	case !okLimit || limit < 1:
		writeFailed(w, "validationError", "limit must be an integer between 1 and 100")
		return 0, 0, false
	}
	return offset, min(limit, maxRecordingsPage), true
}

// getRecordingsPage answers a paginated getRecordings over the union of the
// servers' recordings, in a stable order: servers by ID, each server's
// recordings in its own order. It counts first (one recording per server,
// limit=1, whose totalElements is the server's count), then asks only the
// servers that hold part of the page, for exactly that part, so no
// server's whole list is fetched (except from servers that ignore paging).
// totalElements is the sum of the counts. A tenant's request counts and
// fetches only its recordings (meta_tenant-id), so the pages are right for
// it too.
func (h *Handler) getRecordingsPage(ctx context.Context, w http.ResponseWriter, servers []scheduler.Server, fr frontRequest) {
	offset, limit, ok := pageParams(w, fr.query)
	if !ok {
		return
	}
	q := cloneValues(fr.query)
	if fr.tenant != nil {
		q.Set("meta_tenant-id", fr.tenant.ID)
	}
	counts := h.countRecordings(ctx, servers, q)
	total := 0
	starts := make([]int, len(servers)) // index of each server's first recording in the union
	for i, c := range counts {
		starts[i] = total
		total += c.n
	}
	parts := make([][]rawItem, len(servers))
	parallel(len(servers), func(i int) {
		c := counts[i]
		lo, hi := max(offset-starts[i], 0), min(offset+limit-starts[i], c.n)
		if !c.ok || lo >= hi {
			return
		}
		if c.all != nil {
			parts[i] = c.all[lo:hi]
			return
		}
		pq := cloneValues(q)
		pq.Set("offset", strconv.Itoa(lo))
		pq.Set("limit", strconv.Itoa(hi-lo))
		parts[i] = h.recordingsOf(ctx, servers[i], pq).items
	})
	// The servers filtered by tenant already (meta_tenant-id): no request's
	// tenant filters the page again.
	writeMerged(w, frontRequest{}, parts, "recording", "noRecordings", noRecordingsMessage, total)
}

// countRecordings asks every server for one recording to learn its count.
func (h *Handler) countRecordings(ctx context.Context, servers []scheduler.Server, q url.Values) []serverCount {
	cq := cloneValues(q)
	cq.Set("offset", "0")
	cq.Set("limit", "1")
	out := make([]serverCount, len(servers))
	parallel(len(servers), func(i int) {
		a := h.recordingsOf(ctx, servers[i], cq)
		switch {
		case !a.ok:
		case a.total != nil:
			out[i] = serverCount{n: *a.total, ok: true}
		default: // empty, or a server that ignores paging: this is its whole list
			out[i] = serverCount{n: len(a.items), all: a.items, ok: true}
		}
	})
	return out
}

// serverRecordings is one server's getRecordings answer.
type serverRecordings struct {
	items []rawItem
	total *int
	ok    bool
}

// recordingsOf calls getRecordings on one server; a failure leaves the
// server out, with a log line.
func (h *Handler) recordingsOf(ctx context.Context, srv scheduler.Server, q url.Values) serverRecordings {
	c, err := h.client(srv)
	var a recordingsAnswer
	if err == nil {
		err = c.Do(ctx, "getRecordings", q, &a)
	}
	if err != nil {
		h.cfg.log.Warn("server left out of getRecordings", slog.String("server", srv.ID), slog.String("error", err.Error()))
		return serverRecordings{}
	}
	return serverRecordings{items: a.Items, total: a.TotalElements, ok: true}
}
