package metrics

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/bbb"
)

// bigGetMeetings renders a getMeetings answer with the given number of
// meetings and attendees (spread evenly), every tenth meeting a breakout
// room, in the shape bbb-web 3.0 sends.
func bigGetMeetings(meetings, attendees int) []byte {
	var b strings.Builder
	b.WriteString("<response><returncode>SUCCESS</returncode><meetings>")
	per := attendees / meetings
	for i := range meetings {
		fmt.Fprintf(&b, `<meeting><meetingName>Room %d</meetingName><meetingID>room-%d</meetingID>`+
			`<internalMeetingID>%040x-1772366400000</internalMeetingID><createTime>1772366400000</createTime>`+
			`<createDate>Sun Mar 01 12:00:00 UTC 2026</createDate><voiceBridge>%05d</voiceBridge><dialNumber>613-555-1234</dialNumber>`+
			`<attendeePW>ap</attendeePW><moderatorPW>mp</moderatorPW><running>true</running><duration>0</duration>`+
			`<hasUserJoined>true</hasUserJoined><recording>false</recording><hasBeenForciblyEnded>false</hasBeenForciblyEnded>`+
			`<startTime>1772366401000</startTime><endTime>0</endTime><participantCount>%d</participantCount>`+
			`<listenerCount>%d</listenerCount><voiceParticipantCount>%d</voiceParticipantCount><videoCount>%d</videoCount>`+
			`<maxUsers>0</maxUsers><moderatorCount>1</moderatorCount><attendees>`,
			i, i, i+1, 10000+i, per, per/4, per/2, per/5)
		for j := range per {
			client := "HTML5"
			if j%10 == 9 {
				client = "DIAL-IN"
			}
			fmt.Fprintf(&b, `<attendee><userID>w_%d_%d</userID><fullName>User %d</fullName><role>VIEWER</role>`+
				`<isPresenter>false</isPresenter><isListeningOnly>%t</isListeningOnly><hasJoinedVoice>%t</hasJoinedVoice>`+
				`<hasVideo>%t</hasVideo><clientType>%s</clientType><customdata/></attendee>`,
				i, j, j, j%4 == 0, j%2 == 0, j%5 == 0, client)
		}
		fmt.Fprintf(&b, `</attendees><metadata><bbb-origin>Greenlight</bbb-origin><bbb-origin-server-name>gl%d.example.org</bbb-origin-server-name></metadata>`+
			`<isBreakout>%t</isBreakout></meeting>`, i%3, i%10 == 9)
	}
	b.WriteString("</meetings></response>")
	return []byte(b.String())
}

// BenchmarkDecodeGetMeetings is the baseline: decoding a getMeetings answer
// of 200 meetings and 5,000 attendees into bbb.Meeting values, nothing else.
func BenchmarkDecodeGetMeetings(b *testing.B) {
	body := bigGetMeetings(200, 5000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out struct {
			bbb.Envelope
			Meetings []bbb.Meeting `xml:"meetings>meeting"`
		}
		if err := xml.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
		if len(out.Meetings) != 200 {
			b.Fatalf("%d meetings", len(out.Meetings))
		}
	}
}

// BenchmarkScrape is one full scrape of the same answer: signed request over
// loopback, decoding, aggregation and a registry Gather. It should cost at
// most twice BenchmarkDecodeGetMeetings.
func BenchmarkScrape(b *testing.B) {
	body := bigGetMeetings(200, 5000)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer hs.Close()
	client, err := bbb.New(hs.URL+"/bigbluebutton/", "bench-secret")
	if err != nil {
		b.Fatal(err)
	}
	col, err := NewCollector([]Target{{Client: client}}, WithoutRecordings())
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		mfs, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		if len(mfs) < 20 {
			b.Fatalf("%d metric families", len(mfs))
		}
	}
	b.StopTimer()
	if st := col.Status()[0]; !st.Up {
		b.Fatalf("scrape failed: %s", st.Err)
	}
}
