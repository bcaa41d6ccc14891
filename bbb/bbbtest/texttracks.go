package bbbtest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
)

var langTag = regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)

type jsonError struct {
	Response struct {
		ReturnCode string `json:"returncode"`
		MessageKey string `json:"messageKey"`
		Message    string `json:"message"`
	} `json:"response"`
}

func jsonFailed(key, msg string) []byte {
	var e jsonError
	e.Response.ReturnCode, e.Response.MessageKey, e.Response.Message = "FAILED", key, msg
	return mustJSON(e)
}

func (s *Server) apiGetRecordingTextTracks(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := q.Get("recordID")
	if id == "" {
		s.writeJSON(w, jsonFailed("paramError", "Missing param recordID."))
		return
	}
	s.mu.RLock()
	r := s.recByID[id]
	var tracks []TextTrack
	if r != nil {
		tracks = append([]TextTrack{}, r.tracks...)
	}
	s.mu.RUnlock()
	if r == nil {
		s.writeJSON(w, jsonFailed("noRecordings", "No recording found for "+id))
		return
	}
	var out struct {
		Response struct {
			ReturnCode string      `json:"returncode"`
			Tracks     []TextTrack `json:"tracks"`
		} `json:"response"`
	}
	out.Response.ReturnCode, out.Response.Tracks = "SUCCESS", tracks
	s.writeJSON(w, mustJSON(out))
}

func (s *Server) apiPutRecordingTextTrack(w http.ResponseWriter, r *http.Request, q url.Values) {
	id, kind, lang, label := q.Get("recordID"), q.Get("kind"), q.Get("lang"), q.Get("label")
	switch {
	case id == "":
		s.writeJSON(w, jsonFailed("paramError", "Missing param recordID."))
		return
	case kind == "":
		s.writeJSON(w, jsonFailed("paramError", "Missing param kind."))
		return
	case lang == "":
		s.writeJSON(w, jsonFailed("paramError", "Missing param lang."))
		return
	case kind != "subtitles" && kind != "captions":
		s.writeJSON(w, jsonFailed("invalidKind", "Invalid kind parameter, expected='subtitles|captions'"))
		return
	case !langTag.MatchString(lang):
		s.writeJSON(w, jsonFailed("invalidLang", "Malformed lang param"))
		return
	}
	if label == "" {
		label = lang
	}
	var content []byte
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
			f, err := fhs[0].Open()
			if err == nil {
				content, _ = io.ReadAll(io.LimitReader(f, s.cfg.maxBodyBytes))
				_ = f.Close()
			}
		}
	}
	if len(content) == 0 {
		s.writeJSON(w, jsonFailed("empty_uploaded_text_track", "Empty uploaded text track."))
		return
	}
	s.mu.Lock()
	rec := s.recByID[id]
	if rec == nil {
		s.mu.Unlock()
		s.writeJSON(w, jsonFailed("noRecordings", "No recording found for "+id))
		return
	}
	t := TextTrack{
		Href:    s.origin + "/presentation/" + id + "/caption_" + lang + ".vtt",
		Kind:    kind,
		Label:   label,
		Lang:    lang,
		Source:  "upload",
		Content: content,
	}
	replaced := false
	for i, old := range rec.tracks {
		if old.Kind == kind && old.Lang == lang {
			rec.tracks[i], replaced = t, true
		}
	}
	if !replaced {
		rec.tracks = append(rec.tracks, t)
	}
	s.mu.Unlock()
	var out struct {
		Response struct {
			MessageKey string `json:"messageKey"`
			Message    string `json:"message"`
			RecordID   string `json:"recordId"`
			ReturnCode string `json:"returncode"`
		} `json:"response"`
	}
	out.Response.MessageKey = "upload_text_track_success"
	out.Response.Message = "Text track uploaded successfully"
	out.Response.RecordID = id
	out.Response.ReturnCode = "SUCCESS"
	s.writeJSON(w, mustJSON(out))
}
