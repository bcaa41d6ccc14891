package bbbtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Delivery records one attempt to deliver an event to a hook.
type Delivery struct {
	HookID      string
	CallbackURL string // as registered, without the checksum parameter
	EventID     string // mapped event id, such as "user-joined"
	Attempt     int    // 0 for the first attempt
	StatusCode  int    // 0 when no HTTP answer arrived
	Err         string // transport error, without URL or checksum
	Delivered   bool   // 2xx or 401, which bbb-webhooks counts as delivered
	HookRemoved bool   // the hook was removed after this last failed attempt
}

const maxDeliveryLog = 1000

// emit passes events to the observer and starts their delivery to every
// matching hook. Callers must not hold s.mu.
func (s *Server) emit(evs []Event) {
	if len(evs) == 0 {
		return
	}
	if obs := s.cfg.observer; obs != nil {
		for _, ev := range evs {
			obs(ev)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for _, ev := range evs {
		for _, h := range s.hooks {
			if !h.matches(ev) {
				continue
			}
			hc := *h
			s.bg.Add(1)
			go func() {
				defer s.bg.Done()
				s.deliver(&hc, ev)
			}()
		}
	}
}

// callbackBody builds the form body bbb-webhooks 3.x sends: keys in
// alphabetical order, the event as a one-element JSON array, encoded like
// URLSearchParams.
func (s *Server) callbackBody(ev Event, raw bool, tsMS int64) []byte {
	data := ev.JSON
	if raw {
		data = ev.Raw
	}
	b := make([]byte, 0, 3*len(data)+64)
	b = append(b, "domain="...)
	b = formEncode(b, s.cfg.hookDomain)
	b = append(b, "&event="...)
	b = formEncode(b, "["+string(data)+"]")
	b = append(b, "&timestamp="...)
	b = strconv.AppendInt(b, tsMS, 10)
	return b
}

// deliver runs bbb-webhooks' emitter for one event and one hook: an
// immediate attempt, then one retry per configured delay; when they run
// out a non-permanent hook is removed and a permanent one starts over after
// a pause.
func (s *Server) deliver(h *hook, ev Event) {
	body := s.callbackBody(ev, h.rawData, s.nowMS())
	for attempt, step := 0, 0; ; attempt, step = attempt+1, step+1 {
		if !s.hookExists(h.id) {
			return
		}
		d := s.attempt(h, ev, body, attempt)
		if d.Delivered {
			s.logDelivery(d)
			return
		}
		var wait time.Duration
		switch {
		case step < len(s.cfg.hookRetry):
			wait = s.cfg.hookRetry[step]
		case h.permanent:
			wait, step = s.cfg.hookPermReset, -1
		default:
			d.HookRemoved = s.removeHook(h.id)
			s.logDelivery(d)
			return
		}
		s.logDelivery(d)
		if !s.sleep(wait) {
			return
		}
	}
}

func (s *Server) attempt(h *hook, ev Event, body []byte, n int) Delivery {
	d := Delivery{HookID: h.id, CallbackURL: h.callback, EventID: ev.ID, Attempt: n}
	target := h.callback
	if !s.cfg.hookBearer {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "checksum=" + checksum.Sum(s.cfg.hookAlgorithm, h.callback, string(body), s.Secret)
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.hookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wireURL(target), bytes.NewReader(body))
	if err != nil {
		d.Err = "invalid callback URL"
		return d
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "bbb-webhooks")
	if s.cfg.hookBearer {
		req.Header.Set("Authorization", "Bearer "+s.Secret)
	}
	status, err := s.sendHook(req)
	if err != nil {
		d.Err = transportReason(err)
		return d
	}
	d.StatusCode = status
	d.Delivered = (status >= 200 && status < 300) || status == http.StatusUnauthorized
	return d
}

// sendHook sends a webhook or callback request and returns the answer's
// status, reading at most 1 MiB of its body so the connection can be reused.
func (s *Server) sendHook(req *http.Request) (int, error) {
	resp, err := s.hookClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// transportReason describes a delivery error without the URL, which
// carries the checksum.
func transportReason(err error) string {
	err = httpcore.ScrubURLError(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}

func (s *Server) sleep(d time.Duration) bool {
	ch := make(chan struct{})
	stop := s.afterFunc(d, func() { close(ch) })
	select {
	case <-ch:
		return true
	case <-s.ctx.Done():
		stop()
		return false
	}
}

func (s *Server) hookExists(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, h := range s.hooks {
		if h.id == id {
			return true
		}
	}
	return false
}

func (s *Server) removeHook(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, h := range s.hooks {
		if h.id == id && !h.permanent {
			s.hooks = append(s.hooks[:i:i], s.hooks[i+1:]...)
			return true
		}
	}
	return false
}

func (s *Server) logDelivery(d Delivery) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if len(s.faults.deliveries) >= maxDeliveryLog {
		s.faults.deliveries = s.faults.deliveries[1:]
	}
	s.faults.deliveries = append(s.faults.deliveries, d)
}

// wireURL percent-encodes what a WHATWG URL parser (node-fetch in
// bbb-webhooks) would encode before sending: controls, space, non-ASCII
// bytes and " < > `. The checksum still covers the URL as registered.
func wireURL(u string) string {
	const hexu = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`' {
			if b == nil {
				b = append(make([]byte, 0, len(u)+16), u[:i]...)
			}
			b = append(b, '%', hexu[c>>4], hexu[c&0xf])
			continue
		}
		if b != nil {
			b = append(b, c)
		}
	}
	if b == nil {
		return u
	}
	return string(b)
}
