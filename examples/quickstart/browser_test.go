package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/browsertest"
)

// The moderator join URL the tour prints, opened in a browser, shows the
// fake BBB's client page for Mia Moderator in the quickstart's meeting.
func TestModeratorURLInBrowser(t *testing.T) {
	fake := bbbtest.NewServer()
	defer fake.Close()
	c, err := bbb.New(fake.APIURL(), fake.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := createAndJoin(context.Background(), &printer{w: &out}, c, fake, "bbbkit-quickstart-test"); err != nil {
		t.Fatal(err)
	}
	var moderatorURL string
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "moderator:"); ok {
			moderatorURL = strings.TrimSpace(rest)
		}
	}
	if moderatorURL == "" {
		t.Fatalf("the tour printed no moderator URL:\n%s", out.String())
	}
	tab := browsertest.Start(t).Tab()
	tab.Go(moderatorURL)
	got := [3]string{tab.Text("#meeting"), tab.Text("#name"), tab.Text("#role")}
	if want := [3]string{"bbbkit quickstart", "Mia Moderator", "moderator"}; got != want {
		t.Errorf("the moderator URL shows %q, want %q", got, want)
	}
}
