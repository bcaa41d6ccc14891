package bbbtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// hook is a webhook registered with hooks/create or WithPermanentHook.
type hook struct {
	id        string
	callback  string
	meetingID string
	eventIDs  []string
	rawData   bool
	permanent bool
}

// matches tells whether bbb-webhooks 3.x would send ev to h: the meeting
// filter uses the external meeting ID; the event filter uses the mapped id,
// so a raw hook with an event filter receives nothing.
func (h *hook) matches(ev Event) bool {
	if h.meetingID != "" && h.meetingID != ev.MeetingID {
		return false
	}
	if len(h.eventIDs) > 0 {
		if h.rawData {
			return false
		}
		return containsString(h.eventIDs, ev.ID)
	}
	return true
}

// hooksXML writes answers the way bbb-webhooks 3.x does: no white space
// between tags, URLs and meeting IDs in CDATA sections.
type hooksXML struct{ b strings.Builder }

func (h *hooksXML) elem(name, text string) {
	h.b.WriteString("<" + name + ">")
	h.b.Write(appendEscaped(nil, text))
	h.b.WriteString("</" + name + ">")
}

func (h *hooksXML) cdata(name, text string) {
	h.b.WriteString("<" + name + "><![CDATA[")
	h.b.WriteString(strings.ReplaceAll(validXMLText(text), "]]>", "]]]]><![CDATA[>"))
	h.b.WriteString("]]></" + name + ">")
}

func (h *hooksXML) bytes() []byte { return []byte(h.b.String()) }

func hooksFailed(key, msg string) []byte {
	var h hooksXML
	h.b.WriteString("<response>")
	h.elem("returncode", "FAILED")
	h.elem("messageKey", key)
	h.elem("message", msg)
	h.b.WriteString("</response>")
	return h.bytes()
}

func (s *Server) apiHooksCreate(w http.ResponseWriter, _ *http.Request, q url.Values) {
	cb := q.Get("callbackURL")
	if cb == "" {
		s.writeHooksXML(w, hooksFailed("missingParamCallbackURL", "You must specify a callbackURL in the parameters."))
		return
	}
	raw := false
	if v, ok := q["getRaw"]; ok {
		b, valid := parseBool(v[0])
		if !valid {
			s.writeHooksXML(w, hooksFailed("createHookError", "An error happened while creating your hook. Check the logs."))
			return
		}
		raw = b
	}
	var events []string
	for _, e := range strings.Split(strings.ToLower(q.Get("eventID")), ",") {
		if e = strings.TrimSpace(e); e != "" {
			events = append(events, e)
		}
	}
	s.mu.Lock()
	for _, h := range s.hooks {
		if h.callback == cb {
			id := h.id
			s.mu.Unlock()
			var x hooksXML
			x.b.WriteString("<response>")
			x.elem("returncode", "SUCCESS")
			x.elem("hookID", id)
			x.elem("messageKey", "duplicateWarning")
			x.elem("message", "There is already a hook for this callback URL.")
			x.b.WriteString("</response>")
			s.writeHooksXML(w, x.bytes())
			return
		}
	}
	h := &hook{id: s.uuid(), callback: cb, meetingID: q.Get("meetingID"), eventIDs: events, rawData: raw}
	s.hooks = append(s.hooks, h)
	s.mu.Unlock()
	var x hooksXML
	x.b.WriteString("<response>")
	x.elem("returncode", "SUCCESS")
	x.elem("hookID", h.id)
	x.elem("permanentHook", "false")
	x.elem("rawData", strconv.FormatBool(raw))
	x.b.WriteString("</response>")
	s.writeHooksXML(w, x.bytes())
}

func (s *Server) apiHooksDestroy(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := q.Get("hookID")
	if id == "" {
		s.writeHooksXML(w, hooksFailed("missingParamHookID", "You must specify a hookID in the parameters."))
		return
	}
	s.mu.Lock()
	removed := false
	for i, h := range s.hooks {
		if h.id == id && !h.permanent {
			s.hooks = append(s.hooks[:i:i], s.hooks[i+1:]...)
			removed = true
			break
		}
	}
	s.mu.Unlock()
	if !removed {
		s.writeHooksXML(w, hooksFailed("destroyMissingHook", "The hook informed was not found."))
		return
	}
	var x hooksXML
	x.b.WriteString("<response>")
	x.elem("returncode", "SUCCESS")
	x.elem("removed", "true")
	x.b.WriteString("</response>")
	s.writeHooksXML(w, x.bytes())
}

func (s *Server) apiHooksList(w http.ResponseWriter, _ *http.Request, q url.Values) {
	meetingID := q.Get("meetingID")
	var x hooksXML
	x.b.WriteString("<response>")
	x.elem("returncode", "SUCCESS")
	x.b.WriteString("<hooks>")
	s.mu.RLock()
	for _, h := range s.hooks {
		if meetingID != "" && h.meetingID != "" && h.meetingID != meetingID {
			continue
		}
		x.b.WriteString("<hook>")
		x.elem("hookID", h.id)
		x.cdata("callbackURL", h.callback)
		if h.meetingID != "" {
			x.cdata("meetingID", h.meetingID)
		}
		if len(h.eventIDs) > 0 {
			x.elem("eventID", strings.Join(h.eventIDs, ","))
		}
		x.elem("permanentHook", strconv.FormatBool(h.permanent))
		x.elem("rawData", strconv.FormatBool(h.rawData))
		x.b.WriteString("</hook>")
	}
	s.mu.RUnlock()
	x.b.WriteString("</hooks></response>")
	s.writeHooksXML(w, x.bytes())
}

func (s *Server) apiHooksPing(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("bbb-webhooks API up!"))
}
