package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// No command prints a secret, a checksum or a session token, whatever it
// does and however it fails.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2, bbbtest.WithSTUNServers("stun:127.0.0.1:9"),
		bbbtest.WithTURNServers(turnSecret, time.Hour, "turn:127.0.0.1:9", "turns:127.0.0.1:9?transport=tcp"))
	f.busy(t, 0, "secret-meeting", 2)
	rec, err := f.workers[1].AddRecording(bbbtest.RecordingSpec{MeetingID: "rec", Start: time.Now().AddDate(-1, 0, 0), End: time.Now().AddDate(-1, 0, 0)})
	if err != nil {
		t.Fatalf("f.workers[1].AddRecording(...): %v", err)
	}
	_, err = bbb.New(f.workers[0].APIURL(), f.workers[0].Secret) // the fleet's servers are valid targets
	if err != nil {
		t.Fatalf("bbb.New(...): %v", err)
	}
	extra := bbbtest.NewServer(bbbtest.WithSecret("extra-server-secret-98765"))
	defer extra.Close()
	pool := filepath.Join(t.TempDir(), "pool.yaml")
	if err := os.WriteFile(pool, fmt.Appendf(nil, "servers:\n  - url: %s\n    secret: %s\n", extra.APIURL(), extra.Secret), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	f.workers[1].SetLatency(2 * time.Second) // one server times out: errors printed too

	env := f.env()
	env["BBBCTL_SERVER_SECRET"] = extra.Secret
	runs := [][]string{
		{"status"}, {"status", "-o", "wide"}, {"status", "-o", "json"}, {"capacity"}, {"capacity", "-o", "json"},
		{"meetings", "list"}, {"meetings", "list", "-o", "json"}, {"meetings", "find", "secret-meeting"},
		{"recordings", "list", "-o", "json"}, {"recordings", "prune", "-older-than", "30d", "-dry-run"},
		{"hooks", "list"}, {"hooks", "ensure", "https://hooks.example.com/x"},
		{"servers", "sync", "-f", pool, "-dry-run"}, {"servers", "sync", "-f", pool},
		{"servers", "add", "-enable", "http://127.0.0.1:1/bigbluebutton/api"},
		{"doctor", "-probe-timeout", "300ms"}, {"doctor", "-o", "json", "-probe-timeout", "300ms"},
		{"meetings", "end", "secret-meeting"}, {"recordings", "delete", rec},
		{"servers", "drain", f.ids[0]}, {"servers", "panic", f.ids[0]}, {"servers", "rm", f.ids[0]},
	}
	var all strings.Builder
	for _, args := range runs {
		r := ctl(t, env, append(args, "-request-timeout", "800ms")...)
		fmt.Fprintf(&all, "$ bbbctl %s\n%s%s", strings.Join(args, " "), r.stdout, r.stderr)
	}
	// A wrong secret, and a single server with its own secret.
	wrong := map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": "wrong-secret-for-the-balancer", "BBBCTL_CONFIG": "/nonexistent"}
	r := ctl(t, wrong, "status")
	all.WriteString(r.stdout + r.stderr)
	r = ctl(t, map[string]string{"BBBCTL_URL": extra.URL, "BBBCTL_SECRET": "wrong-secret-for-the-server", "BBBCTL_CONFIG": "/nonexistent"}, "doctor", "-o", "json")
	all.WriteString(r.stdout + r.stderr)

	out := all.String()
	for _, secret := range append(f.secrets(), extra.Secret, "wrong-secret-for-the-balancer", "wrong-secret-for-the-server") {
		if strings.Contains(out, secret) {
			t.Errorf("out = %q; want it not to contain %q", out, secret)
		}
	}
	if regexp.MustCompile(`checksum=[0-9a-fA-F]{40}`).MatchString(out) {
		t.Errorf("out = %q; want it to not match regexp.MustCompile(`checksum=[0-9a-fA-F]{40}`)", out)
	}
	if regexp.MustCompile(`sessionToken=[^R&\s]`).MatchString(out) {
		t.Errorf("out = %q; want it to not match regexp.MustCompile(`sessionToken=[^R&\\s]`)", out)
	}
	if !regexp.MustCompile(`secret-meeting\s+secret-meeting\s+2\s`).MatchString(out) {
		t.Errorf("out = %q; want it to match `secret-meeting\\s+secret-meeting\\s+2\\s` (meetings list printed no meeting: the runs show nothing)", out)
	}
}
