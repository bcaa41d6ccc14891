package greenlighttest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

func recordingJSON(r *recording) map[string]any {
	formats := []map[string]any{}
	for _, f := range r.formats {
		formats = append(formats, map[string]any{"recording_type": f.typ, "url": f.url})
	}
	return map[string]any{
		"id": r.id, "record_id": r.recordID, "name": r.name, "length": r.length, "participants": r.participants,
		"visibility": r.visibility, "protectable": r.protectable,
		"created_at": r.created.Format(time.RFC3339Nano), "recorded_at": r.recorded.Format(time.RFC3339Nano),
		"formats": formats,
	}
}

func (s *Server) listRecordings(q *req) {
	if !s.allowed(q, []string{"CreateRoom"}, "", "", "") {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	var out []map[string]any
	for i := len(s.recordings) - 1; i >= 0; i-- {
		r := s.recordings[i]
		rm := s.roomByID(r.roomID)
		if rm == nil || rm.ownerID != q.cur.id {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(r.name), search) {
			continue
		}
		out = append(out, recordingJSON(r))
	}
	items, meta := page(q, out, 5)
	q.data(http.StatusOK, items, meta)
}

func (s *Server) roomRecordings(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("q"))
	var out []map[string]any
	for i := len(s.recordings) - 1; i >= 0; i-- {
		r := s.recordings[i]
		if r.roomID == rm.id && (search == "" || strings.Contains(strings.ToLower(r.name), search)) {
			out = append(out, recordingJSON(r))
		}
	}
	items, meta := page(q, out, 3)
	q.data(http.StatusOK, items, meta)
}

func (s *Server) renameRecording(q *req, id string) {
	if !q.authenticated() {
		return
	}
	rec := s.recordingFor(q, id)
	if rec == nil {
		return
	}
	var p struct {
		Name string `json:"name"`
	}
	if !q.param("recording", &p) {
		q.badParams()
		return
	}
	if strings.TrimSpace(p.Name) == "" {
		q.errors(http.StatusBadRequest, []string{"InvalidParams"})
		return
	}
	rec.name = strings.TrimSpace(p.Name)
	q.data(http.StatusOK, recordingJSON(rec), nil)
}

func (s *Server) deleteRecording(q *req, id string) {
	if !s.allowed(q, []string{"ManageRecordings"}, "", "", id) {
		return
	}
	s.recordings = slices.DeleteFunc(s.recordings, func(r *recording) bool { return r.recordID == id })
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) updateVisibility(q *req) {
	if !q.authenticated() {
		return
	}
	var id, vis string
	q.param("id", &id)
	q.param("visibility", &vis)
	rec := s.recordingFor(q, id)
	if rec == nil {
		return
	}
	switch vis {
	case "Published", "Unpublished", "Protected", "Public", "Public/Protected":
		rec.visibility = vis
	default:
		q.errors(http.StatusBadRequest, nil)
		return
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}
