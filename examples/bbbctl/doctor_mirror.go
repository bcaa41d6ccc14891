package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

// mirrorFlags are doctor's recordings check: a `mirror serve` endpoint and
// optionally the destination tree a `mirror sync` fills from it.
type mirrorFlags struct {
	url        string
	dest       string
	secretFile string
	maxLag     time.Duration
}

func (m *mirrorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.url, "mirror", "", "also check this `mirror serve` endpoint (secret: $MIRROR_SECRET or -mirror-secret-file)")
	fs.StringVar(&m.dest, "mirror-dest", "", "with -mirror: the destination tree (a Scalelite published/ directory) to compare with the endpoint")
	fs.StringVar(&m.secretFile, "mirror-secret-file", "", "read the mirror endpoint's secret from this file (default $MIRROR_SECRET)")
	fs.DurationVar(&m.maxLag, "mirror-max-lag", 0, "with -mirror-dest: recordings missing for less than this are normal (the time between two `mirror sync` runs), not a warning")
}

// source opens the endpoint, or says why it cannot (a usage error).
func (m *mirrorFlags) source(env *cli.Env, t *target) (*mirror.HTTPSource, error) {
	if m.maxLag < 0 {
		return nil, cli.Usagef("-mirror-max-lag must not be negative")
	}
	if m.maxLag > 0 && m.dest == "" {
		return nil, cli.Usagef("-mirror-max-lag needs -mirror-dest")
	}
	if m.url == "" {
		if m.dest != "" {
			return nil, cli.Usagef("-mirror-dest needs -mirror")
		}
		return nil, nil
	}
	secret, err := env.SecretFrom("", m.secretFile, "MIRROR_SECRET")
	if err != nil {
		return nil, cli.Usagef("-mirror-secret-file: %v", err)
	}
	if secret == "" {
		return nil, cli.Usagef("-mirror needs the endpoint's secret: $MIRROR_SECRET or -mirror-secret-file")
	}
	src, err := mirror.NewHTTPSource(m.url, secret, mirror.WithHTTPClient(t.hc))
	if err != nil {
		return nil, cli.Usagef("-mirror: %v", err)
	}
	return src, nil
}

// checkMirror asks the endpoint for its manifest (reachable, latency,
// recording count) and, with a destination tree, how far behind it is.
func checkMirror(ctx context.Context, src *mirror.HTTPSource, name string, m *mirrorFlags, timeout time.Duration, now time.Time) []check {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	remote, err := src.Manifest(ctx)
	latency := time.Since(start)
	if err != nil {
		c := check{Server: name, Check: "mirror", Status: statusFail, Value: scrub(err),
			Cause: "the mirror endpoint does not answer: is `mirror serve` running, and reachable through the firewall?"}
		if errors.Is(err, mirror.ErrUnauthorized) {
			c.Cause = "the endpoint refused the secret: $MIRROR_SECRET must be the secret `mirror serve` was started with"
		}
		return []check{c}
	}
	checks := []check{{Server: name, Check: "mirror", Status: statusOK,
		Value: fmt.Sprintf("%d recordings in %s", len(remote.Recordings), latencyText(latency))}}
	if latency > latencyWarn {
		checks[0].Status, checks[0].Cause = statusWarn, "slow manifest: the endpoint's disk or hash cache is slow (-hash-cache keeps hashes between runs)"
	}
	if len(remote.Skipped) > 0 {
		checks = append(checks, check{Server: name, Check: "mirror skipped", Status: statusWarn,
			Value: fmt.Sprintf("%d recordings left out", len(remote.Skipped)),
			Cause: "the endpoint refuses recordings with links, special files or files changing while hashed: `mirror sync` reports each"})
	}
	if m.dest != "" {
		checks = append(checks, checkMirrorDest(ctx, remote, name, m.dest, m.maxLag, now))
	}
	return checks
}

// checkMirrorDest compares the destination tree with the endpoint's
// manifest: recordings the tree lacks, or holds with a file missing,
// smaller, larger or older than the endpoint's, are behind; a warning once
// the oldest of them is older than maxLag.
func checkMirrorDest(ctx context.Context, remote *mirror.Manifest, name, dest string, maxLag time.Duration, now time.Time) check {
	c := check{Server: name, Check: "mirror dest"}
	dir, err := mirror.NewDirSource(dest, mirror.WithHashes(false))
	if err != nil {
		c.Status, c.Value, c.Cause = statusFail, scrub(err), "-mirror-dest must be the published/ directory `mirror sync` writes"
		return c
	}
	local, err := dir.Manifest(ctx)
	if err != nil {
		c.Status, c.Value, c.Cause = statusFail, scrub(err), "cannot read the destination tree"
		return c
	}
	behind, oldest := mirrorLag(remote, local, now)
	if behind == 0 {
		c.Status, c.Value = statusOK, fmt.Sprintf("up to date (%d recordings)", len(local.Recordings))
		return c
	}
	c.Value = fmt.Sprintf("%d behind, oldest %s", behind, oldest.Round(time.Second))
	if oldest <= maxLag {
		c.Status = statusOK
		c.Value += fmt.Sprintf(" (within -mirror-max-lag %s)", maxLag)
		return c
	}
	c.Status = statusWarn
	c.Cause = "the destination misses recordings the endpoint has: is `mirror sync` scheduled, and does it succeed (its exit code and log)?"
	return c
}

// mirrorLag counts the endpoint's recordings that the destination lacks or
// holds older, and how long the oldest of them has been on the endpoint
// (by its newest file).
func mirrorLag(remote, local *mirror.Manifest, now time.Time) (behind int, oldest time.Duration) {
	for i := range remote.Recordings {
		r := &remote.Recordings[i]
		if !recordingCurrent(r, local.Recording(r.ID)) {
			behind++
			oldest = max(oldest, now.Sub(newestFile(r)))
		}
	}
	return behind, oldest
}

// recordingCurrent reports whether have holds every file of want with its
// size and no older.
func recordingCurrent(want, have *mirror.Recording) bool {
	if have == nil {
		return false
	}
	for _, f := range want.Formats {
		hf := have.Format(f.Name)
		if hf == nil {
			return false
		}
		files := make(map[string]mirror.File, len(hf.Files))
		for _, x := range hf.Files {
			files[x.Path] = x
		}
		for _, x := range f.Files {
			got, ok := files[x.Path]
			if !ok || got.Size != x.Size || got.ModTime.Before(x.ModTime.Truncate(time.Second)) {
				return false
			}
		}
	}
	return true
}

func newestFile(r *mirror.Recording) time.Time {
	var t time.Time
	for _, f := range r.Formats {
		for _, x := range f.Files {
			if x.ModTime.After(t) {
				t = x.ModTime
			}
		}
	}
	return t
}

func latencyText(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
