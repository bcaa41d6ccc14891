package bbbtest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/browsertest"
)

// clientPageFixture creates a meeting whose name and moderator need HTML
// escaping and returns the server and the moderator's and a viewer's join
// URLs.
func clientPageFixture(t *testing.T) (s *bbbtest.Server, moderatorURL, viewerURL string) {
	t.Helper()
	s = bbbtest.NewServer()
	t.Cleanup(s.Close)
	c := newClient(t, s)
	created, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: `Physics <101> & "Co"`, MeetingID: "phys"})
	if err != nil {
		t.Fatal(err)
	}
	join := func(name, role string) string {
		u, err := c.JoinURL(&bbb.JoinParams{FullName: name, MeetingID: "phys", Role: role, CreateTime: created.CreateTime()})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return s, join("Mia <b>Moderator</b>", bbb.RoleModerator), join("Alex Attendee", bbb.RoleViewer)
}

func getPage(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// The join redirect ends on a page that says who landed where, escaped,
// with nothing fetched from elsewhere.
func TestClientPage(t *testing.T) {
	t.Parallel()
	s, moderatorURL, viewerURL := clientPageFixture(t)
	resp, page := getPage(t, s.Client(), moderatorURL)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/html5client/join" {
		t.Fatalf("moderator landed on %d %s:\n%s", resp.StatusCode, resp.Request.URL.Path, page)
	}
	for _, want := range []string{
		`<dd id="meeting">Physics &lt;101&gt; &amp; &#34;Co&#34;</dd>`,
		`<dd id="name">Mia &lt;b&gt;Moderator&lt;/b&gt;</dd>`,
		`<dd id="role">moderator</dd>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<b>Moderator") {
		t.Error("the user's name reached the page unescaped")
	}
	for _, external := range []string{"<script", "<link", "src=", "http://", "https://", "@import"} {
		if strings.Contains(page, external) {
			t.Errorf("page refers to something outside itself (%s):\n%s", external, page)
		}
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}

	resp, page = getPage(t, s.Client(), viewerURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<dd id="role">viewer</dd>`) || !strings.Contains(page, "Alex Attendee") {
		t.Errorf("viewer: %d\n%s", resp.StatusCode, page)
	}

	resp, page = getPage(t, s.Client(), s.URL+"/html5client/join?sessionToken=nosuchtoken")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "no session") || strings.Contains(page, `id="name"`) {
		t.Errorf("unknown session: %d\n%s", resp.StatusCode, page)
	}
	resp, err := s.Client().Post(s.URL+"/html5client/join?sessionToken=x", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

// A guest held in the waiting room sees that they wait.
func TestClientPageGuestWaits(t *testing.T) {
	t.Parallel()
	s := bbbtest.NewServer()
	defer s.Close()
	c := newClient(t, s)
	ctx := context.Background()
	if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Lobby", MeetingID: "lobby", GuestPolicy: "ASK_MODERATOR"}); err != nil {
		t.Fatal(err)
	}
	u, err := c.JoinURL(&bbb.JoinParams{FullName: "Gus Guest", MeetingID: "lobby", Role: bbb.RoleViewer, Guest: bbb.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	resp, page := getPage(t, s.Client(), u)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/html5client/guestWait" || !strings.Contains(page, "Waiting for a moderator") || !strings.Contains(page, "Gus Guest") {
		t.Errorf("guest: %d %s\n%s", resp.StatusCode, resp.Request.URL.Path, page)
	}
}

// In a real browser, the moderator's join URL shows the client page.
func TestClientPageInBrowser(t *testing.T) {
	_, moderatorURL, _ := clientPageFixture(t)
	tab := browsertest.Start(t).Tab()
	tab.Go(moderatorURL)
	if got := tab.Text("#meeting"); got != `Physics <101> & "Co"` {
		t.Errorf("meeting %q", got)
	}
	if got := tab.Text("#name"); got != "Mia <b>Moderator</b>" {
		t.Errorf("name %q", got)
	}
	if got := tab.Text("#role"); got != "moderator" {
		t.Errorf("role %q", got)
	}
	if title := tab.Eval(`document.title`); title != "In the meeting" {
		t.Errorf("title %q", title)
	}
}
