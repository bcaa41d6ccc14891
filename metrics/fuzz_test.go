package metrics

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
)

// bodyTransport answers every request with the same 200 body, without a
// network.
type bodyTransport []byte

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"text/xml"}},
		Body:       io.NopCloser(bytes.NewReader(b)),
		Request:    r,
	}, nil
}

// FuzzCollect feeds arbitrary getMeetings answers through a whole scrape:
// the collector must never panic, must report the server up or down, and
// when up its histogram counts must match bbb_meetings.
func FuzzCollect(f *testing.F) {
	for _, name := range []string{"testdata/getmeetings_bbb25.xml", "testdata/getrecordings_none.xml"} {
		seed, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Add([]byte(`<response><returncode>SUCCESS</returncode><messageKey>noMeetings</messageKey></response>`))
	f.Add([]byte(`<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>`))
	f.Add(bigGetMeetings(3, 9))
	f.Fuzz(func(t *testing.T, body []byte) {
		client, err := bbb.New("http://bbb.invalid/bigbluebutton/", "fuzz-secret",
			bbb.WithHTTPClient(&http.Client{Transport: bodyTransport(body)}))
		if err != nil {
			t.Fatal(err)
		}
		col, err := NewCollector([]Target{{Client: client}}, WithoutRecordings())
		if err != nil {
			t.Fatal(err)
		}
		defer col.Close()
		text := exposition(t, col)
		up := strings.Contains(text, "\nbbb_api_up 1\n")
		if !up && !strings.Contains(text, "\nbbb_api_up 0\n") {
			t.Fatalf("no bbb_api_up in\n%s", text)
		}
		if !up {
			return
		}
		meetings := grepLines(text, "bbb_meetings ")
		gcount := grepLines(text, "bbb_room_participants_gcount ")
		if strings.TrimPrefix(meetings, "bbb_meetings ") != strings.TrimPrefix(gcount, "bbb_room_participants_gcount ") {
			t.Fatalf("bbb_meetings %q but gcount %q", meetings, gcount)
		}
	})
}
