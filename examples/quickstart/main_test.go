package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTourOnEmbeddedFake(t *testing.T) {
	var out bytes.Buffer
	if code := run(cli.WithGetenv(context.Background(), env(nil)), nil, nil, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"embedded fake BigBlueButton server",
		"BigBlueButton 3.0.19, API 2.0",
		"moderator: http://127.0.0.1:",
		"viewer:   http://127.0.0.1:",
		"Mia Moderator joined",
		"running: true, participants: 1, recording: true",
		"attendee: Mia Moderator (MODERATOR)",
		"metadata: course = demo-101",
		", published, 1 participant(s)",
		"playback (presentation): http://127.0.0.1:",
		"Done.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestTourOnRemoteServer(t *testing.T) {
	remote := bbbtest.NewServer()
	defer remote.Close()
	var out bytes.Buffer
	code := run(cli.WithGetenv(context.Background(), env(map[string]string{"BBB_URL": remote.APIURL(), "BBB_SECRET": remote.Secret})), nil, nil, &out, &out)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	text := out.String()
	for _, want := range []string{"Using the BigBlueButton server at " + remote.APIURL(), "Skipped on a real server", "participants: 0", "None yet", "Done."} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, remote.Secret) {
		t.Error("the secret was printed")
	}
	if got := remote.Calls("end"); got != 1 {
		t.Errorf("end called %d times", got)
	}
}

func TestTourFailures(t *testing.T) {
	var out bytes.Buffer
	if code := run(cli.WithGetenv(context.Background(), env(map[string]string{"BBB_URL": "http://127.0.0.1:1/bigbluebutton/"})), nil, nil, &out, &out); code != 2 {
		t.Errorf("only BBB_URL: exit %d", code)
	}
	remote := bbbtest.NewServer()
	defer remote.Close()
	out.Reset()
	if code := run(cli.WithGetenv(context.Background(), env(map[string]string{"BBB_URL": remote.APIURL(), "BBB_SECRET": "wrong"})), nil, nil, &out, &out); code != 1 || !strings.Contains(out.String(), "checksum") {
		t.Errorf("wrong secret: exit %d\n%s", code, out.String())
	}
	remote.FailNext("getMeetingInfo", 1, "internalError", "injected")
	out.Reset()
	if code := run(cli.WithGetenv(context.Background(), env(map[string]string{"BBB_URL": remote.APIURL(), "BBB_SECRET": remote.Secret})), nil, nil, &out, &out); code != 1 || !strings.Contains(out.String(), "getMeetingInfo") {
		t.Errorf("failing call: exit %d\n%s", code, out.String())
	}
}
