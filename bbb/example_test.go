package bbb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func ExampleClient_JoinURL() {
	c, err := bbb.New("https://bbb.example.org/bigbluebutton/", "dGhpcyBpcyBub3QgYSByZWFsIHNlY3JldA", bbb.WithChecksum(checksum.SHA256))
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.JoinURL(&bbb.JoinParams{
		FullName:   "Zoë O'Neil",
		MeetingID:  "physics-101",
		Role:       bbb.RoleViewer,
		UserID:     "u-1234",
		CreateTime: time.UnixMilli(1764115200123),
		UserData:   map[string]string{"bbb_skip_check_audio": "true"},
	})
	if err != nil {
		log.Fatal(err)
	}
	base, query, _ := strings.Cut(u, "&checksum=")
	fmt.Println(base)
	fmt.Println(len(query), "hex digits of SHA-256")
	// Output:
	// https://bbb.example.org/bigbluebutton/api/join?fullName=Zo%C3%AB+O%27Neil&meetingID=physics-101&role=VIEWER&createTime=1764115200123&userID=u-1234&userdata-bbb_skip_check_audio=true
	// 64 hex digits of SHA-256
}

func ExampleClient_CreateMeeting() {
	srv := exampleServer() // stands in for a real server
	defer srv.Close()

	c, err := bbb.New(srv.URL+"/bigbluebutton/", "example-secret")
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{
		Name:      "Physics 101",
		MeetingID: "physics-101",
		Record:    bbb.Bool(true),
		Meta:      map[string]string{"bbb-origin": "portal"},
	})
	switch {
	case errors.Is(err, bbb.ErrIDNotUnique):
		log.Fatal("another meeting uses this ID")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(resp.MeetingID, resp.Duplicate())
	// Output: physics-101 false
}

func ExampleClient_Recordings() {
	srv := exampleServer()
	defer srv.Close()

	c, err := bbb.New(srv.URL+"/bigbluebutton/", "example-secret")
	if err != nil {
		log.Fatal(err)
	}
	for rec, err := range c.Recordings(context.Background(), &bbb.GetRecordingsParams{States: []string{bbb.StateAny}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.RecordID, rec.State, rec.Playback[0].Type)
	}
	// Output: 5f0c-1764115200123 published presentation
}

func ExampleError() {
	srv := exampleServer()
	defer srv.Close()

	c, _ := bbb.New(srv.URL+"/bigbluebutton/", "example-secret")
	_, err := c.GetMeetingInfo(context.Background(), "no-such-meeting")
	var apiErr *bbb.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Key, errors.Is(err, bbb.ErrNotFound))
	}
	// Output: notFound true
}

func ExampleCaptureAnswer() {
	srv := exampleServer()
	defer srv.Close()

	c, _ := bbb.New(srv.URL+"/bigbluebutton/", "example-secret")
	var ans bbb.Answer
	if err := c.EndMeeting(context.Background(), "physics-101", bbb.CaptureAnswer(&ans)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.MessageKey)
	// Output: sentEndMeetingRequest
}

// Do calls what the client has no method for; JSON answers decode with
// the struct's json tags.
func ExampleClient_Do() {
	srv := exampleServer()
	defer srv.Close()

	c, _ := bbb.New(srv.URL+"/bigbluebutton/", "example-secret")
	var stuns struct {
		bbb.Envelope
		StunServers []struct {
			URL string `json:"url"`
		} `json:"stunServers"`
	}
	if err := c.Do(context.Background(), "stuns", url.Values{"sessionToken": {"user-session-token"}}, &stuns); err != nil {
		log.Fatal(err)
	}
	fmt.Println(stuns.StunServers[0].URL)
	// Output: stun:stun.example.org:3478
}

// exampleServer answers the calls of the examples like BigBlueButton.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if checksum.Verify(strings.TrimPrefix(r.URL.Path, "/bigbluebutton/api/"), r.URL.RawQuery, "example-secret") != nil {
			io.WriteString(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>Checksums do not match</message></response>`)
			return
		}
		switch r.URL.Path {
		case "/bigbluebutton/api/create":
			io.WriteString(w, `<response><returncode>SUCCESS</returncode><meetingID>physics-101</meetingID><internalMeetingID>5f0c-1764115200123</internalMeetingID><createTime>1764115200123</createTime><messageKey/><message/></response>`)
		case "/bigbluebutton/api/end":
			io.WriteString(w, `<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey><message>A request to end the meeting was sent.</message></response>`)
		case "/bigbluebutton/api/stuns":
			io.WriteString(w, `{"response":{"returncode":"SUCCESS","stunServers":[{"url":"stun:stun.example.org:3478"}]}}`)
		case "/bigbluebutton/api/getRecordings":
			io.WriteString(w, `<response><returncode>SUCCESS</returncode><recordings><recording><recordID>5f0c-1764115200123</recordID><state>published</state><published>true</published><playback><format><type>presentation</type><url>https://bbb.example.org/playback/presentation/2.3/5f0c-1764115200123</url></format></playback></recording></recordings><totalElements>1</totalElements></response>`)
		default:
			io.WriteString(w, `<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>A meeting with that ID does not exist</message></response>`)
		}
	}))
}
