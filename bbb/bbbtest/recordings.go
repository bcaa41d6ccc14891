package bbbtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Recording states, as getRecordings reports them.
const (
	StateProcessing  = "processing"
	StateProcessed   = "processed"
	StatePublished   = "published"
	StateUnpublished = "unpublished"
	StateDeleted     = "deleted"
)

// recording is the server-side state of one recording.
type recording struct {
	id, extMeetingID, name string
	isBreakout             bool
	state                  string
	startTime, endTime     int64
	participants           int
	rawSize, size          int64
	meta                   map[string]string
	processingTime         int64
	tracks                 []TextTrack
	publishTimer           int
	filesErr               string // last failure to write or remove its files
}

// TextTrack is a caption or subtitle track of a recording.
type TextTrack struct {
	Href   string `json:"href"`
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Lang   string `json:"lang"`
	Source string `json:"source"`
	// Content is the uploaded file; it is not part of the API answer.
	Content []byte `json:"-"`
}

func (r *recording) published() bool { return r.state == StatePublished }

// lengthMinutes is the playback length bbb-web prints: the duration in
// minutes, rounded.
func (r *recording) lengthMinutes() int64 {
	if r.endTime <= r.startTime {
		return 0
	}
	return (r.endTime - r.startTime + 30_000) / 60_000
}

// recordMeetingLocked turns an ended meeting into a recording in the
// processing state and schedules its publication. Callers hold s.mu.
func (s *Server) recordMeetingLocked(m *meeting) []Event {
	dur := m.endTime - m.startTime
	rec := &recording{
		id:           m.intID,
		extMeetingID: m.extID,
		name:         m.name,
		isBreakout:   m.isBreakout,
		state:        StateProcessing,
		startTime:    m.startTime,
		endTime:      m.endTime,
		participants: len(m.everJoined),
		rawSize:      4096 + dur*32,
		meta:         map[string]string{},
	}
	rec.size = rec.rawSize / 4
	s.setFileSizeLocked(rec)
	for k, v := range m.meta {
		rec.meta[k] = v
	}
	rec.meta["isBreakout"] = strconv.FormatBool(m.isBreakout)
	rec.meta["meetingId"] = m.extID
	rec.meta["meetingName"] = m.name
	s.recordings = append(s.recordings, rec)
	s.recByID[rec.id] = rec
	now := s.nowMS()
	evs := []Event{
		s.evRap("rap-archive-started", rec, now, nil),
		s.evRap("rap-archive-ended", rec, now, map[string]any{"recorded": true, "duration": dur}),
		s.evRap("rap-sanity-started", rec, now, nil),
		s.evRap("rap-sanity-ended", rec, now, nil),
		s.evRap("rap-process-started", rec, now, nil),
	}
	if s.cfg.publishDelay <= 0 {
		return append(evs, s.publishProcessedLocked(rec)...)
	}
	id := rec.id
	rec.publishTimer = s.scheduleLocked(s.cfg.publishDelay, func() {
		s.mu.Lock()
		var evs []Event
		if r := s.recByID[id]; r != nil && r.state == StateProcessing {
			evs = s.publishProcessedLocked(r)
		}
		s.mu.Unlock()
		s.emit(evs)
	})
	return evs
}

// publishProcessedLocked ends processing: the recording is published.
func (s *Server) publishProcessedLocked(rec *recording) []Event {
	now := s.nowMS()
	rec.processingTime = max(now-rec.endTime, 0)
	rec.state = StatePublished
	s.cancelTimerLocked(rec.publishTimer)
	rec.publishTimer = 0
	if err := s.writeRecordingFilesLocked(rec); err != nil {
		// The publish step failed: the recording stays processed.
		rec.state = StateProcessed
		noteFilesErr(rec, err)
		return []Event{s.evRap("rap-process-ended", rec, now, nil)}
	}
	s.sendRecordingReadyLocked(rec)
	return []Event{
		s.evRap("rap-process-ended", rec, now, nil),
		s.evRap("rap-publish-started", rec, now, nil),
		s.evRap("rap-publish-ended", rec, now, nil),
		s.evRap("rap-post-publish-started", rec, now, nil),
		s.evRap("rap-post-publish-ended", rec, now, nil),
	}
}

func (s *Server) playbackURL(id string) string {
	return s.origin + "/playback/presentation/2.3/" + id
}

type previewImage struct {
	width, height int
	alt, url      string
}

func (s *Server) previewImages(rec *recording) []previewImage {
	base := s.origin + "/presentation/" + rec.id + "/presentation/" + sha1Hex(rec.id+"/default.pdf") + "-" + strconv.FormatInt(rec.startTime, 10) + "/thumbnails/"
	alts := []string{"Welcome", "Getting started", "Thank you"}
	out := make([]previewImage, len(alts))
	for i, a := range alts {
		out[i] = previewImage{width: 176, height: 136, alt: a, url: base + "thumb-" + strconv.Itoa(i+1) + ".png"}
	}
	return out
}

// recordingXML prints one <recording> following include-recording.ftlx,
// with the rawSize and size elements of bbb-web's recordings service.
func (s *Server) recordingXML(x *xmlWriter, r *recording) {
	x.open("recording")
	x.elem("recordID", r.id)
	x.elem("meetingID", r.extMeetingID)
	x.elem("internalMeetingID", r.id)
	x.elem("name", r.name)
	x.boolElem("isBreakout", r.isBreakout)
	x.boolElem("published", r.published())
	x.elem("state", r.state)
	x.intElem("startTime", r.startTime)
	x.intElem("endTime", r.endTime)
	x.intElem("participants", int64(r.participants))
	x.intElem("rawSize", r.rawSize)
	x.intElem("size", r.size)
	x.open("metadata")
	for _, k := range sortedKeys(r.meta) {
		x.elem(k, r.meta[k])
	}
	x.close("metadata")
	x.open("playback")
	if r.state != StateProcessing {
		x.open("format")
		x.elem("type", "presentation")
		x.elem("url", s.playbackURL(r.id))
		x.intElem("processingTime", r.processingTime)
		x.intElem("length", r.lengthMinutes())
		x.intElem("size", r.size)
		x.open("preview")
		x.open("images")
		for _, im := range s.previewImages(r) {
			x.image(im.width, im.height, im.alt, im.url)
		}
		x.close("images")
		x.close("preview")
		x.close("format")
	}
	x.close("playback")
	x.close("recording")
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var validStates = map[string]bool{
	StateProcessing: true, StateProcessed: true, StatePublished: true,
	StateUnpublished: true, StateDeleted: true, "any": true,
}

// recordingsQuery is a parsed getRecordings call.
type recordingsQuery struct {
	meetingIDs, recordIDs, states []string
	meta                          map[string]string
	paginated                     bool
	offset, limit                 int // limit -1: everything
}

func parseRecordingsQuery(q url.Values) (*recordingsQuery, *apiFailure) {
	rq := &recordingsQuery{
		meetingIDs: splitList(q.Get("meetingID")),
		recordIDs:  splitList(q.Get("recordID")),
		states:     splitList(strings.ToLower(q.Get("state"))),
		meta:       map[string]string{},
	}
	if len(rq.states) == 0 {
		rq.states = []string{StatePublished, StateUnpublished}
	}
	for _, st := range rq.states {
		if !validStates[st] {
			return nil, &apiFailure{"validationError", "Invalid recording state: must be processing, processed, published, unpublished, deleted or any"}
		}
	}
	for k, v := range q {
		if metaKey.MatchString(k) {
			rq.meta[strings.ToLower(k[len("meta_"):])] = v[0]
		}
	}
	_, hasLimitParam := q["limit"]
	_, hasOffset := q["offset"]
	rq.paginated = hasLimitParam || hasOffset
	offset, _, ok := intParam(q, "offset")
	if !ok || offset < 0 {
		return nil, &apiFailure{"validationError", "offset must be a non-negative integer"}
	}
	limit, hasLimit, ok := intParam(q, "limit")
	if !ok || (hasLimit && limit < 1) {
		return nil, &apiFailure{"validationError", "limit must be an integer between 1 and 100"}
	}
	if !hasLimit || limit > 100 {
		limit = 100
	}
	if !rq.paginated {
		limit = -1
	}
	rq.offset, rq.limit = offset, limit
	return rq, nil
}

// matches reports whether r passes the query's filters.
func (rq *recordingsQuery) matches(r *recording) bool {
	return (len(rq.meetingIDs) == 0 || containsString(rq.meetingIDs, r.extMeetingID)) &&
		(len(rq.recordIDs) == 0 || hasPrefixIn(r.id, rq.recordIDs)) &&
		(containsString(rq.states, "any") || containsString(rq.states, r.state)) &&
		metaMatches(r.meta, rq.meta)
}

func (s *Server) apiGetRecordings(w http.ResponseWriter, _ *http.Request, q url.Values) {
	rq, fail := parseRecordingsQuery(q)
	if fail != nil {
		s.writeXML(w, failedXML(fail.key, fail.msg))
		return
	}
	s.writeXML(w, s.recordingsXML(rq))
}

// recordingsXML answers getRecordings: the page of matching recordings.
func (s *Server) recordingsXML(rq *recordingsQuery) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var match []*recording
	for _, r := range s.recordings {
		if rq.matches(r) {
			match = append(match, r)
		}
	}
	page := match
	if rq.limit >= 0 {
		page = nil
		if rq.offset < len(match) {
			page = match[rq.offset:min(rq.offset+rq.limit, len(match))]
		}
	}
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	if len(page) == 0 {
		x.elem("messageKey", "noRecordings")
		x.elem("message", "There are no recordings for the meeting(s).")
		x.empty("recordings")
	} else {
		x.open("recordings")
		for _, r := range page {
			s.recordingXML(&x, r)
		}
		x.close("recordings")
		if rq.paginated {
			x.intElem("totalElements", int64(len(match)))
		}
	}
	x.close("response")
	return x.b
}

func hasPrefixIn(id string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func metaMatches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// findRecordingsLocked resolves a comma-separated recordID list to existing,
// not deleted recordings.
func (s *Server) findRecordingsLocked(list string) []*recording {
	var out []*recording
	for _, id := range splitList(list) {
		if r := s.recByID[id]; r != nil && r.state != StateDeleted {
			out = append(out, r)
		}
	}
	return out
}

// requireRecordID answers missingParamRecordID and reports false when the
// request names no recording.
func (s *Server) requireRecordID(w http.ResponseWriter, q url.Values) bool {
	if q.Get("recordID") == "" {
		s.writeXML(w, failedXML("missingParamRecordID", "You must specify a recordID."))
		return false
	}
	return true
}

// changeRecordings calls change for each recording recordID names, under
// s.mu, and returns the events change produced; ok is false when recordID
// names no recording.
func (s *Server) changeRecordings(recordID string, change func(r *recording, now int64) []Event) (evs []Event, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.findRecordingsLocked(recordID)
	now := s.nowMS()
	for _, r := range recs {
		evs = append(evs, change(r, now)...)
	}
	return evs, len(recs) > 0
}

// answerRecordingsChanged emits evs and answers a publish, delete or update
// call: notFound when no recording matched.
func (s *Server) answerRecordingsChanged(w http.ResponseWriter, evs []Event, ok bool, element string, value bool) {
	if !ok {
		s.writeXML(w, failedXML("notFound", "We could not find recordings"))
		return
	}
	s.emit(evs)
	s.writeXML(w, successBoolXML(element, value))
}

func (s *Server) apiPublishRecordings(w http.ResponseWriter, _ *http.Request, q url.Values) {
	if !s.requireRecordID(w, q) {
		return
	}
	if q.Get("publish") == "" {
		s.writeXML(w, failedXML("missingParamPublish", "You must specify a publish value true or false."))
		return
	}
	publish, ok := parseBool(q.Get("publish"))
	if !ok {
		s.writeXML(w, failedXML("validationError", "publish must be true or false"))
		return
	}
	evs, found := s.changeRecordings(q.Get("recordID"), func(r *recording, now int64) []Event {
		switch {
		case publish && r.state == StateUnpublished:
			r.state = StatePublished
			if err := s.writeRecordingFilesLocked(r); err != nil {
				r.state = StateUnpublished
				noteFilesErr(r, err)
				return nil
			}
			return []Event{s.evRapFormat("rap-published", r, now)}
		case !publish && r.state == StatePublished:
			r.state = StateUnpublished
			noteFilesErr(r, s.removeRecordingFilesLocked(r.id))
			return []Event{s.evRapFormat("rap-unpublished", r, now)}
		}
		return nil
	})
	s.answerRecordingsChanged(w, evs, found, "published", publish)
}

func (s *Server) apiDeleteRecordings(w http.ResponseWriter, _ *http.Request, q url.Values) {
	if !s.requireRecordID(w, q) {
		return
	}
	evs, found := s.changeRecordings(q.Get("recordID"), func(r *recording, now int64) []Event {
		if r.published() {
			noteFilesErr(r, s.removeRecordingFilesLocked(r.id))
		}
		r.state = StateDeleted
		s.cancelTimerLocked(r.publishTimer)
		return []Event{s.evRapFormat("rap-deleted", r, now)}
	})
	s.answerRecordingsChanged(w, evs, found, "deleted", true)
}

func (s *Server) apiUpdateRecordings(w http.ResponseWriter, _ *http.Request, q url.Values) {
	if !s.requireRecordID(w, q) {
		return
	}
	_, found := s.changeRecordings(q.Get("recordID"), func(r *recording, _ int64) []Event {
		for k, v := range q {
			if !metaKey.MatchString(k) {
				continue
			}
			key := strings.ToLower(k[len("meta_"):])
			if v[0] == "" {
				delete(r.meta, key)
			} else {
				r.meta[key] = v[0]
			}
		}
		noteFilesErr(r, s.rewriteMetadataLocked(r))
		return nil
	})
	s.answerRecordingsChanged(w, nil, found, "updated", true)
}

// msToTime converts epoch milliseconds, 0 meaning unset.
func msToTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
