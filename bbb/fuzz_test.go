package bbb

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addTestdata(f *testing.F, ext string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkDecodeError fails unless err is nil, a *Error or a *DecodeError.
func checkDecodeError(t *testing.T, err error) {
	var (
		ae *Error
		de *DecodeError
	)
	if err != nil && !errors.As(err, &ae) && !errors.As(err, &de) {
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
}

func FuzzDecodeMeetings(f *testing.F) {
	addTestdata(f, ".xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "getMeetings", url: "u", body: data}
		var out getMeetingsResponse
		checkDecodeError(t, (&Client{}).decodeXML(resp, &out))
	})
}

func FuzzDecodeMeetingInfo(f *testing.F) {
	addTestdata(f, ".xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "getMeetingInfo", url: "u", body: data}
		var out meetingInfoResponse
		err := (&Client{}).decodeXML(resp, &out)
		checkDecodeError(t, err)
		if err == nil && out.ReturnCode == "" {
			t.Fatal("success without a returncode")
		}
	})
}

func FuzzDecodeRecordings(f *testing.F) {
	addTestdata(f, ".xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "getRecordings", url: "u", body: data}
		var out getRecordingsResponse
		checkDecodeError(t, (&Client{}).decodeXML(resp, &out))
		for _, r := range out.page.Recordings {
			for _, e := range r.Extra {
				_ = e.Text()
			}
		}
	})
}

func FuzzDecodeSimpleAnswers(f *testing.F) {
	addTestdata(f, ".xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "create", url: "u", body: data}
		for _, out := range []Response{new(CreateMeetingResponse), new(JoinResponse), new(APIVersion), new(getSessionsResponse), new(publishResponse)} {
			checkDecodeError(t, (&Client{}).decodeXML(resp, out))
		}
	})
}

func FuzzDecodeJSON(f *testing.F) {
	addTestdata(f, ".json")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "getRecordingTextTracks", url: "u", body: data}
		var out struct {
			Tracks []TextTrack `json:"tracks"`
		}
		checkDecodeError(t, decodeJSON(resp, &out, "upload_text_track_failed"))
	})
}

func FuzzJoinRedirectError(f *testing.F) {
	f.Add(`https://x/logout?errors=[{"key":"a","message":"b"}]`)
	f.Add(`https://x/logout?errors=%5B%7B%22key%22%3A%22notFound%22%7D%5D`)
	f.Add(`:%zz`)
	f.Fuzz(func(t *testing.T, loc string) {
		if e := joinRedirectError(loc); e != nil && e.Key == "" && len(e.Errors) > 0 && e.Errors[0].Key != "" {
			t.Fatalf("key lost: %+v", e)
		}
	})
}

func FuzzEscape(f *testing.F) {
	f.Add("Zoë O'Neil *~ /?&=+%")
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		for i := 0; i < len(e); i++ {
			c := e[i]
			ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_*+%", c) >= 0
			if !ok {
				t.Fatalf("Escape(%q) = %q contains %q", s, e, c)
			}
		}
		if back, err := url.QueryUnescape(e); err != nil || back != s {
			t.Fatalf("Escape(%q) = %q does not decode back: %q, %v", s, e, back, err)
		}
	})
}

func FuzzLearningDashboard(f *testing.F) {
	addTestdata(f, ".json")
	f.Add([]byte(`{"response":{"returncode":"SUCCESS","data":"{\"intId\":\"i\",\"extId\":\"e\",\"users\":{\"u-1\":{\"name\":\"A\",\"talk\":{\"totalTime\":5},\"intIds\":{\"w_1\":{\"sessions\":[{\"registeredOn\":1,\"leftOn\":0}]}}}}}"}}`))
	f.Add([]byte(`{"response":{"returncode":"FAILED","message":"Invalid Session"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "learningDashboard", url: "u", body: data}
		d, err := decodeLearningDashboard(resp)
		checkDecodeError(t, err)
		if err == nil && (d == nil || len(d.Data) == 0) {
			t.Fatalf("success without a report: %+v", d)
		}
	})
}

// FuzzDecodeAnswer feeds Do's decoder, which takes XML and JSON answers, and
// reads every kept unknown element back.
func FuzzDecodeAnswer(f *testing.F) {
	addTestdata(f, ".xml")
	addTestdata(f, ".json")
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &rawResponse{call: "future", url: "u", body: data}
		var out struct {
			Envelope
			Items []Element `xml:",any" json:"-"`
			Data  string    `xml:"-" json:"data"`
		}
		err := (&Client{}).decodeAnswer(resp, &out)
		checkDecodeError(t, err)
		for _, e := range out.Items {
			_ = e.Text()
		}
	})
}
