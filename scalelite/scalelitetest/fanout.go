package scalelitetest

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
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

// recordingsAnswer is getRecordings as the fake reads it from a server,
// with the totalElements BigBlueButton 2.6+ adds to a paginated answer that
// is not empty.
type recordingsAnswer struct {
	bbb.Envelope
	Items         []rawItem `xml:"recordings>recording"`
	TotalElements *int      `xml:"totalElements"`
}

// noRecordingsMessage is BigBlueButton's message for an empty getRecordings.
const noRecordingsMessage = "There are no recordings for the meeting(s)."

// parallel calls fn(i) for every i in [0, n), at most maxFanout at a time,
// and waits for all of them.
func parallel(n int, fn func(i int)) {
	sem := make(chan struct{}, maxFanout)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// fanout calls fn on each server at once (at most maxFanout at a time) and
// returns the results in server order; a failed server yields nil and a log
// line.
func (h *Handler) fanout(ctx context.Context, call string, servers []scheduler.Server, fn func(context.Context, *bbb.Client) ([]rawItem, error)) [][]rawItem {
	out := make([][]rawItem, len(servers))
	parallel(len(servers), func(i int) {
		srv := servers[i]
		c, err := h.client(srv)
		if err == nil {
			out[i], err = fn(ctx, c)
		}
		if err != nil {
			h.cfg.log.Warn("server left out of "+call, slog.String("server", srv.ID), slog.String("error", err.Error()))
		}
	})
	return out
}

// onlineServers lists the online servers, without the disabled ones unless
// withDisabled; when the scheduler fails it answers the error and returns
// false.
func (h *Handler) onlineServers(ctx context.Context, w http.ResponseWriter, withDisabled bool) ([]scheduler.Server, bool) {
	all, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeLookupError(w, err)
		return nil, false
	}
	var servers []scheduler.Server
	for _, s := range all {
		if s.Online && (withDisabled || s.State != scheduler.StateDisabled) {
			servers = append(servers, s)
		}
	}
	return servers, true
}

// writeMerged answers SUCCESS with the items the request's tenant may see,
// each wrapped in <tag>, inside <tag+"s">; with none, it adds the messageKey
// and message BigBlueButton gives for an empty list, and otherwise, when
// total >= 0, <totalElements>.
func writeMerged(w http.ResponseWriter, fr frontRequest, parts [][]rawItem, tag, emptyKey, emptyMessage string, total int) {
	var b strings.Builder
	n := 0
	b.WriteString("<returncode>SUCCESS</returncode><" + tag + "s>")
	for _, items := range parts {
		for _, it := range items {
			if fr.tenant != nil && it.Metadata.TenantID != fr.tenant.ID {
				continue
			}
			n++
			b.WriteString("<" + tag + ">" + it.Inner + "</" + tag + ">")
		}
	}
	b.WriteString("</" + tag + "s>")
	switch {
	case n == 0:
		b.WriteString("<messageKey>" + emptyKey + "</messageKey><message>" + emptyMessage + "</message>")
	case total >= 0:
		b.WriteString("<totalElements>" + strconv.Itoa(total) + "</totalElements>")
	}
	writeXML(w, b.String())
}

func (h *Handler) getMeetings(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	servers, ok := h.onlineServers(ctx, w, false)
	if !ok {
		return
	}
	parts := h.fanout(ctx, "getMeetings", servers, func(ctx context.Context, c *bbb.Client) ([]rawItem, error) {
		var a meetingsAnswer
		err := c.Do(ctx, "getMeetings", nil, &a)
		return a.Items, err
	})
	writeMerged(w, fr, parts, "meeting", "noMeetings", "no meetings were found on this server", -1)
}

// getRecordings asks every online server (whatever its state: a disabled
// server still holds recordings) and merges the answers. A request with
// offset or limit gets that page of the union (see getRecordingsPage).
func (h *Handler) getRecordings(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	servers, ok := h.onlineServers(ctx, w, true)
	if !ok {
		return
	}
	if fr.query.Has("offset") || fr.query.Has("limit") {
		h.getRecordingsPage(ctx, w, servers, fr)
		return
	}
	q := cloneValues(fr.query)
	q.Del("offset")
	q.Del("limit")
	parts := h.fanout(ctx, "getRecordings", servers, func(ctx context.Context, c *bbb.Client) ([]rawItem, error) {
		var a recordingsAnswer
		err := c.Do(ctx, "getRecordings", q, &a)
		return a.Items, err
	})
	writeMerged(w, fr, parts, "recording", "noRecordings", noRecordingsMessage, -1)
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
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	servers, ok := h.onlineServers(ctx, w, true)
	if !ok {
		return
	}
	answers := make([][]byte, len(servers))
	parallel(len(servers), func(i int) {
		srv := servers[i]
		status, answer, err := h.forward(ctx, srv, fr.call, fr.query, bodyMethod(body), body, r.Header.Get("Content-Type"))
		if err != nil || status != http.StatusOK {
			h.cfg.log.Warn("server left out of "+fr.call, slog.String("server", srv.ID), slog.Int("status", status), slog.Any("error", err))
			return
		}
		answers[i] = answer
	})
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
