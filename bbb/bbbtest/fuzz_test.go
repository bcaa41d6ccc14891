package bbbtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("deliveries disabled in fuzzing")
}

// FuzzServeAPI sends arbitrary calls, queries and bodies, signed and
// unsigned: the server must never panic and must always answer well-formed
// XML or JSON.
func FuzzServeAPI(f *testing.F) {
	f.Add("create", "name=Room+1&meetingID=r1&meta_A=b&record=true", "", []byte(nil))
	f.Add("join", "fullName=A&meetingID=r1&role=VIEWER&redirect=false&userdata-x=1", "", []byte(nil))
	f.Add("getRecordings", "meetingID=a,b&state=any&offset=1&limit=2&meta_x=y", "", []byte(nil))
	f.Add("create", "name=Docs&meetingID=d", "application/xml", []byte(`<modules><module name="presentation"><document url="u"/></module></modules>`))
	f.Add("hooks/create", "callbackURL=http%3A%2F%2F127.0.0.1%2Fx&eventID=A,b&getRaw=false", "", []byte(nil))
	f.Add("putRecordingTextTrack", "recordID=x&kind=captions&lang=en", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhi\r\n--x--\r\n"))
	f.Add("updateRecordings", "recordID=x&meta_k=", "application/x-www-form-urlencoded", []byte("meta_z=%ZZ"))
	f.Fuzz(func(t *testing.T, call, rawQuery, contentType string, body []byte) {
		s, err := New(WithSecret("fuzz-secret"), WithWebhookHTTPClient(&http.Client{Transport: refuseTransport{}}), WithWebhookRetry())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if strings.ContainsAny(call, "?#% \x00") || strings.ContainsAny(rawQuery, "# \x00\r\n") {
			return
		}
		for _, signed := range []bool{false, true} {
			q := rawQuery
			if signed {
				q += "&checksum=" + checksum.Sum(checksum.SHA256, call, rawQuery, s.Secret)
			}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				req, err := http.NewRequest(method, "http://127.0.0.1/bigbluebutton/api/"+call+"?"+q, bytes.NewReader(body))
				if err != nil {
					return
				}
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					continue
				}
				ct := rec.Header().Get("Content-Type")
				switch {
				case strings.HasPrefix(ct, "application/json"):
					if !json.Valid(rec.Body.Bytes()) {
						t.Fatalf("invalid JSON: %s", rec.Body.Bytes())
					}
				case strings.HasPrefix(ct, "text/xml"):
					d := xml.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
					for {
						_, err := d.Token()
						if err == io.EOF {
							break
						}
						if err != nil {
							t.Fatalf("invalid XML (%v): %s", err, rec.Body.Bytes())
						}
					}
				}
			}
		}
	})
}

func FuzzReadModules(f *testing.F) {
	f.Add([]byte(`<modules><module name="presentation"><document url="https://x/a.pdf" filename="a.pdf" current="true"/><document name="b.pdf">QUJD</document></module></modules>`))
	f.Add([]byte(`<modules><module name="clientSettingsOverride"><![CDATA[{}]]></module></modules>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		docs, err := readModules(bytes.NewReader(body))
		if err != nil && docs != nil {
			t.Fatal("documents returned with an error")
		}
	})
}

func FuzzFormEncode(f *testing.F) {
	f.Add("[{\"a\":\"b c*~\"}]")
	f.Add("ä\u2028+&=%")
	f.Fuzz(func(t *testing.T, s string) {
		enc := string(formEncode(nil, s))
		v, err := url.ParseQuery("k=" + enc)
		if err != nil || v.Get("k") != s {
			t.Fatalf("%q -> %q -> %q (%v)", s, enc, v.Get("k"), err)
		}
	})
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("plain")
	f.Add("<&>\"\\\n\u2028\x01")
	f.Fuzz(func(t *testing.T, s string) {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("%q != %q", got, s)
		}
	})
}
