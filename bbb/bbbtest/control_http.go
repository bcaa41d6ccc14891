package bbbtest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The test-control endpoints let tests written in any language drive the
// fake over HTTP. Every request needs "Authorization: Bearer <secret>".
// Parameters come from the query string or a form body; answers are JSON.
//
//	POST /bbbtest/join     meetingID, fullName, role, userID, clientType, guest,
//	                       listenOnly, voice, video, userdata-<key>
//	                       -> {"userID", "internalUserID", "sessionToken"}
//	POST /bbbtest/leave    meetingID, userID
//	POST /bbbtest/chat     meetingID, userID, message (a public chat message from the user)
//	POST /bbbtest/admit-guest  meetingID, userID, allow (true lets a waiting guest in)
//	POST /bbbtest/end      meetingID (as if the last user left)
//	POST /bbbtest/process-recordings    publish recordings still processing
//	POST /bbbtest/advance  duration (Go syntax, "90s"): moves the server's time forward
//	                       (added to its clock) and runs what became due -> {"now"}
//	POST /bbbtest/fault    call, count, key, message, status, drop, latency
//	POST /bbbtest/clear-faults
//	POST /bbbtest/down     POST /bbbtest/up
//	POST /bbbtest/reset
//	GET  /bbbtest/state    -> {"meetings": [...], "recordings": [...], "hooks": [...]}
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.Secret)) != 1 {
		controlJSON(w, http.StatusUnauthorized, map[string]any{"error": "missing or wrong bearer secret"})
		return
	}
	op := strings.TrimPrefix(r.URL.Path, "/bbbtest/")
	if op == "state" {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			controlJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET"})
			return
		}
		controlJSON(w, http.StatusOK, map[string]any{
			"meetings": s.Meetings(), "recordings": s.Recordings(), "hooks": s.Hooks(),
		})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		controlJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		controlJSON(w, http.StatusBadRequest, map[string]any{"error": "malformed form body"})
		return
	}
	status, result := s.runControl(op, r.Form)
	controlJSON(w, status, result)
}

// errBadControlParams is a control request with unusable parameters.
var errBadControlParams = errors.New("bad control parameters")

// runControl performs one POST control operation and returns the status
// and JSON body of its answer.
func (s *Server) runControl(op string, f url.Values) (int, any) {
	flag := func(k string) bool { b, _ := parseBool(f.Get(k)); return b }
	var err error
	var result any = map[string]any{"ok": true}
	switch op {
	case "join":
		var ju JoinedUser
		ju, err = s.Join(f.Get("meetingID"), User{
			FullName: f.Get("fullName"), Role: f.Get("role"), UserID: f.Get("userID"),
			ClientType: f.Get("clientType"), Guest: flag("guest"), ListenOnly: flag("listenOnly"),
			Voice: flag("voice"), Video: flag("video"), CustomData: userData(f),
		})
		result = map[string]any{"userID": ju.UserID, "internalUserID": ju.InternalUserID, "sessionToken": ju.SessionToken, "waiting": ju.Waiting}
	case "admit-guest":
		err = s.AdmitGuest(f.Get("meetingID"), f.Get("userID"), flag("allow"))
	case "leave":
		err = s.Leave(f.Get("meetingID"), f.Get("userID"))
	case "chat":
		err = s.PostChat(f.Get("meetingID"), f.Get("userID"), f.Get("message"))
	case "end":
		err = s.EndMeeting(f.Get("meetingID"))
	case "process-recordings":
		result = map[string]any{"published": s.ProcessRecordings()}
	case "advance":
		d, perr := time.ParseDuration(f.Get("duration"))
		if perr != nil || d < 0 {
			return http.StatusBadRequest, map[string]any{"error": "duration must be a non-negative Go duration such as 90s"}
		}
		s.offset.Add(int64(d))
		s.fireDue()
		result = map[string]any{"now": s.now().UTC().Format(time.RFC3339Nano)}
	case "fault":
		ft, ferr := parseFault(f)
		if ferr != nil {
			return http.StatusBadRequest, map[string]any{"error": "invalid fault parameters"}
		}
		s.InjectFault(ft)
	case "clear-faults":
		s.ClearFaults()
	case "down", "up":
		s.SetDown(op == "down")
	case "reset":
		s.Reset()
	default:
		return http.StatusNotFound, map[string]any{"error": "unknown control endpoint"}
	}
	if err != nil {
		return controlError(err)
	}
	return http.StatusOK, result
}

// parseFault reads the parameters of POST /bbbtest/fault.
func parseFault(f url.Values) (Fault, error) {
	drop, _ := parseBool(f.Get("drop"))
	ft := Fault{Call: f.Get("call"), Key: f.Get("key"), Message: f.Get("message"), Drop: drop}
	var err error
	if v := f.Get("count"); v != "" {
		ft.Count, err = strconv.Atoi(v)
	}
	if v := f.Get("status"); v != "" && err == nil {
		ft.Status, err = strconv.Atoi(v)
		if err == nil && (ft.Status < 100 || ft.Status > 599) {
			err = errBadControlParams
		}
	}
	if v := f.Get("latency"); v != "" && err == nil {
		ft.Latency, err = time.ParseDuration(v)
	}
	return ft, err
}

// controlError is the answer to a control operation that failed.
func controlError(err error) (int, any) {
	status := http.StatusBadRequest
	if errors.Is(err, ErrNotFound) {
		status = http.StatusNotFound
	}
	body := map[string]any{"error": err.Error()}
	var je *JoinError
	if errors.As(err, &je) {
		body["messageKey"] = je.Key
	}
	return status, body
}

func controlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
