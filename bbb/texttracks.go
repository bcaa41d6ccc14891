package bbb

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// TextTrack is a caption or subtitle track of a recording.
type TextTrack struct {
	Href   string `json:"href"`
	Kind   string `json:"kind"` // subtitles or captions
	Label  string `json:"label"`
	Lang   string `json:"lang"`
	Source string `json:"source"` // live, upload, ...
}

// GetRecordingTextTracks lists the caption tracks of a recording.
func (c *Client) GetRecordingTextTracks(ctx context.Context, recordID string, opts ...CallOption) ([]TextTrack, error) {
	const call = "getRecordingTextTracks"
	if recordID == "" || strings.Contains(recordID, ",") {
		return nil, paramErr(call, "recordID", "one recording ID")
	}
	resp, err := c.send(ctx, &request{call: call, method: http.MethodGet, query: "recordID=" + Escape(recordID), signed: true})
	if err != nil {
		return nil, err
	}
	var out struct {
		Answer
		Tracks []TextTrack `json:"tracks"`
	}
	if err := c.done(resp, decodeJSON(resp, &out)); err != nil {
		return nil, err
	}
	captureAnswer(opts, out.Answer)
	return out.Tracks, nil
}

// PutTextTrackParams are the parameters of putRecordingTextTrack. The URL
// parameters are signed; the file in the multipart body is not.
type PutTextTrackParams struct {
	RecordID string
	Kind     string // "subtitles" or "captions"
	Lang     string // BCP 47 language tag, such as "en-US"
	Label    string // shown name; the server derives one from Lang when empty
	// File is the WebVTT (or SRT) content; FileName defaults to
	// "track.vtt" and ContentType to "text/vtt".
	File        io.Reader
	FileName    string
	ContentType string
}

// PutTextTrackResponse is the answer of putRecordingTextTrack.
type PutTextTrackResponse struct {
	Answer
	RecordID string `json:"recordId"`
}

// PutRecordingTextTrack uploads a caption track (multipart POST). The
// server processes it asynchronously; "upload_text_track_failed" is
// returned as an *Error even though the server sends it with SUCCESS.
func (c *Client) PutRecordingTextTrack(ctx context.Context, p *PutTextTrackParams) (*PutTextTrackResponse, error) {
	const call = "putRecordingTextTrack"
	if p == nil || p.RecordID == "" {
		return nil, paramErr(call, "recordID", "required")
	}
	if p.Kind != "subtitles" && p.Kind != "captions" {
		return nil, paramErr(call, "kind", "must be subtitles or captions")
	}
	if p.Lang == "" {
		return nil, paramErr(call, "lang", "required")
	}
	if p.File == nil {
		return nil, paramErr(call, "file", "required")
	}
	v := url.Values{"recordID": {p.RecordID}, "kind": {p.Kind}, "lang": {p.Lang}}
	if p.Label != "" {
		v.Set("label", p.Label)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	name, ctype := p.FileName, p.ContentType
	if name == "" {
		name = "track.vtt"
	}
	if ctype == "" {
		ctype = "text/vtt"
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+escapeQuotes(name)+`"`)
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, paramErr(call, "file", "cannot build the multipart body")
	}
	if _, err := io.Copy(part, p.File); err != nil {
		return nil, paramErr(call, "file", "cannot read the file: "+err.Error())
	}
	if err := mw.Close(); err != nil {
		return nil, paramErr(call, "file", "cannot build the multipart body")
	}
	resp, err := c.send(ctx, &request{call: call, method: http.MethodPost, query: EncodeQuery(v), signed: true,
		body: body.Bytes(), contentType: mw.FormDataContentType()})
	if err != nil {
		return nil, err
	}
	out := new(PutTextTrackResponse)
	if err := c.done(resp, decodeJSON(resp, out, "upload_text_track_failed", "empty_uploaded_text_track")); err != nil {
		return nil, err
	}
	return out, nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }
