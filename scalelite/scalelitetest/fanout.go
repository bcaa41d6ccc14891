package scalelitetest

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// maxFanout bounds the servers asked at once by getMeetings and
// getRecordings.
const maxFanout = 16

// rawItem is one <meeting> or <recording> kept as raw XML, with the tenant
// metadata read for filtering.
type rawItem struct {
	Inner    string `xml:",innerxml"`
	Metadata struct {
		TenantID string `xml:"tenant-id"`
	} `xml:"metadata"`
}

// meetingsAnswer is getMeetings as the fake reads it from a server.
type meetingsAnswer struct {
	bbb.Envelope
	Items []rawItem `xml:"meetings>meeting"`
}

// recordingsAnswer is getRecordings as the fake reads it from a server.
type recordingsAnswer struct {
	bbb.Envelope
	Items []rawItem `xml:"recordings>recording"`
}

// fanout calls fn on each server at once (at most maxFanout at a time) and
// returns the results in server order; a failed server yields nil and a log
// line.
func (h *Handler) fanout(ctx context.Context, call string, servers []scheduler.Server, fn func(context.Context, *bbb.Client) ([]rawItem, error)) [][]rawItem {
	out := make([][]rawItem, len(servers))
	sem := make(chan struct{}, maxFanout)
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := h.client(srv)
			if err == nil {
				out[i], err = fn(ctx, c)
			}
			if err != nil {
				h.cfg.log.Warn("server left out of "+call, slog.String("server", srv.ID), slog.String("error", err.Error()))
			}
		}()
	}
	wg.Wait()
	return out
}

func (h *Handler) getMeetings(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	all, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeLookupError(w, err)
		return
	}
	var servers []scheduler.Server
	for _, s := range all {
		if s.Online && s.State != scheduler.StateDisabled {
			servers = append(servers, s)
		}
	}
	parts := h.fanout(ctx, "getMeetings", servers, func(ctx context.Context, c *bbb.Client) ([]rawItem, error) {
		var a meetingsAnswer
		err := c.Do(ctx, "getMeetings", nil, &a)
		return a.Items, err
	})
	var b strings.Builder
	n := 0
	b.WriteString("<returncode>SUCCESS</returncode><meetings>")
	for _, items := range parts {
		for _, it := range items {
			if fr.tenant != nil && it.Metadata.TenantID != fr.tenant.ID {
				continue
			}
			n++
			b.WriteString("<meeting>" + it.Inner + "</meeting>")
		}
	}
	b.WriteString("</meetings>")
	if n == 0 {
		b.WriteString("<messageKey>noMeetings</messageKey><message>no meetings were found on this server</message>")
	}
	writeXML(w, b.String())
}

// getRecordings asks every online server (whatever its state: a disabled
// server still holds recordings) and merges the answers. Paging parameters
// are not forwarded, since they cannot be merged.
func (h *Handler) getRecordings(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	all, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeLookupError(w, err)
		return
	}
	var servers []scheduler.Server
	for _, s := range all {
		if s.Online {
			servers = append(servers, s)
		}
	}
	q := cloneValues(fr.query)
	q.Del("offset")
	q.Del("limit")
	parts := h.fanout(ctx, "getRecordings", servers, func(ctx context.Context, c *bbb.Client) ([]rawItem, error) {
		var a recordingsAnswer
		err := c.Do(ctx, "getRecordings", q, &a)
		return a.Items, err
	})
	var b strings.Builder
	n := 0
	b.WriteString("<returncode>SUCCESS</returncode><recordings>")
	for _, items := range parts {
		for _, it := range items {
			if fr.tenant != nil && it.Metadata.TenantID != fr.tenant.ID {
				continue
			}
			n++
			b.WriteString("<recording>" + it.Inner + "</recording>")
		}
	}
	b.WriteString("</recordings>")
	if n == 0 {
		b.WriteString("<messageKey>noRecordings</messageKey><message>There are no recordings for the meeting(s).</message>")
	}
	writeXML(w, b.String())
}

// changeRecordings forwards publishRecordings, updateRecordings and
// deleteRecordings to every online server, since a recording lives on one
// server the fake does not track. The first SUCCESS answer is returned; when
// no server succeeded, the first server's answer (usually notFound).
func (h *Handler) changeRecordings(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	if fr.query.Get("recordID") == "" {
		writeFailed(w, "missingParamRecordID", "You must specify one or more a record IDs.")
		return
	}
	body, ok := readBody(r)
	if !ok {
		writeFailed(w, "internalError", "Unable to read the request body.")
		return
	}
	all, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeLookupError(w, err)
		return
	}
	var servers []scheduler.Server
	for _, s := range all {
		if s.Online {
			servers = append(servers, s)
		}
	}
	answers := make([][]byte, len(servers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxFanout)
	for i, srv := range servers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			method := http.MethodGet
			if len(body) > 0 {
				method = http.MethodPost
			}
			status, answer, err := h.forward(ctx, srv, fr.call, fr.query, method, body, r.Header.Get("Content-Type"))
			if err != nil || status != http.StatusOK {
				h.cfg.log.Warn("server left out of "+fr.call, slog.String("server", srv.ID), slog.Int("status", status), slog.Any("error", err))
				return
			}
			answers[i] = answer
		}()
	}
	wg.Wait()
	var first []byte
	for _, a := range answers {
		if a == nil {
			continue
		}
		if succeeded(a) {
			writeRaw(w, a)
			return
		}
		if first == nil {
			first = a
		}
	}
	if first == nil {
		writeFailed(w, "notFound", "We could not find recordings")
		return
	}
	writeRaw(w, first)
}
