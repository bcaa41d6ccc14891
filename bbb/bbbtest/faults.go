package bbbtest

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Fault describes a failure injected into the next calls of an API call.
// Exactly what happens depends on the fields set, in this order: Latency
// delays the answer; Drop closes the connection without an answer; Status
// answers with that HTTP status and an HTML body (like a proxy in front of
// bbb-web); Key answers FAILED with that messageKey. A Fault with only
// Latency set slows the calls down and then serves them normally.
type Fault struct {
	// Call is the API call name ("getMeetingInfo", "hooks/create"); "" or
	// "*" matches every call.
	Call string
	// Count is how many calls the fault affects (default 1).
	Count int
	// Key and Message make the call answer FAILED.
	Key, Message string
	// Status makes the call answer with this HTTP status.
	Status int
	// Drop makes the server close the connection without answering.
	Drop bool
	// Latency delays the answer.
	Latency time.Duration
}

type faultState struct {
	mu         sync.Mutex
	active     atomic.Bool
	list       []*Fault
	down       bool
	latency    time.Duration
	counts     sync.Map // call name -> *atomic.Int64
	deliveries []Delivery
}

func (f *faultState) recompute() {
	f.active.Store(f.down || f.latency > 0 || len(f.list) > 0)
}

// InjectFault arms a fault for the next Count calls of f.Call. Faults are
// used in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	if f.Call == "*" {
		f.Call = ""
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &f)
	s.faults.recompute()
}

// FailNext makes the next n calls of call answer FAILED with key and
// message.
func (s *Server) FailNext(call string, n int, key, message string) {
	s.InjectFault(Fault{Call: call, Count: n, Key: key, Message: message})
}

// DropNext makes the server close the connection of the next n calls of
// call without answering.
func (s *Server) DropNext(call string, n int) {
	s.InjectFault(Fault{Call: call, Count: n, Drop: true})
}

// SetLatency delays every API answer by d (0 turns it off).
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = max(d, 0)
	s.faults.recompute()
}

// SetDown takes the API down (true) or up again (false). While down, every
// API request has its connection closed without an answer (a kept-alive
// connection is closed at its next request). The /bbbtest/ control
// endpoints keep working.
func (s *Server) SetDown(down bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.down = down
	s.faults.recompute()
}

// ClearFaults removes pending faults, latency and the down state.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list, s.faults.down, s.faults.latency = nil, false, 0
	s.faults.recompute()
}

// Calls reports how many requests the server received for an API call
// name ("" for the API root), including refused and faulted ones.
func (s *Server) Calls(call string) int {
	if c, ok := s.faults.counts.Load(call); ok {
		return int(c.(*atomic.Int64).Load())
	}
	return 0
}

// applyFaults counts the request and applies armed faults. It reports
// whether the request has been answered.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, call string) bool {
	if _, known := calls[call]; known || call == "" {
		c, ok := s.faults.counts.Load(call)
		if !ok {
			c, _ = s.faults.counts.LoadOrStore(call, new(atomic.Int64))
		}
		c.(*atomic.Int64).Add(1)
	}
	if !s.faults.active.Load() {
		return false
	}
	s.faults.mu.Lock()
	if s.faults.down {
		s.faults.mu.Unlock()
		dropConnection(w)
		return true
	}
	latency := s.faults.latency
	var f Fault
	found := false
	for i, x := range s.faults.list {
		if x.Call == "" || x.Call == call {
			f, found = *x, true
			x.Count--
			if x.Count <= 0 {
				s.faults.list = append(s.faults.list[:i:i], s.faults.list[i+1:]...)
			}
			break
		}
	}
	s.faults.recompute()
	s.faults.mu.Unlock()
	if found {
		latency += f.Latency
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if !found {
		return false
	}
	switch {
	case f.Drop:
		dropConnection(w)
	case f.Status != 0:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><head><title>" + http.StatusText(f.Status) + "</title></head><body><center><h1>" + http.StatusText(f.Status) + "</h1></center><hr><center>nginx</center></body></html>\n"))
	case f.Key != "":
		if isJSONCall(call) {
			s.writeJSON(w, jsonFailed(f.Key, f.Message))
		} else if len(call) > 6 && call[:6] == "hooks/" {
			s.writeHooksXML(w, hooksFailed(f.Key, f.Message))
		} else {
			s.writeXML(w, failedXML(f.Key, f.Message))
		}
	default:
		return false
	}
	return true
}

func isJSONCall(call string) bool {
	return call == "getRecordingTextTracks" || call == "putRecordingTextTrack" || call == "getJoinUrl" || call == "learningDashboard" || call == "stuns"
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
