package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
	"github.com/schollz/progressbar/v3"
)

type syncCmd struct {
	from, to, secret, secretFile, limit, cacheFile, progress string
	concurrency                                              int
	del, verify, fsync, hashLocal                            bool
}

func (c *syncCmd) register(fs *flag.FlagSet) {
	fs.StringVar(&c.from, "from", "", "source: a published tree (DIR) or an export endpoint (http(s)://...)")
	fs.StringVar(&c.to, "to", "", "destination published tree")
	fs.StringVar(&c.secret, "secret", "", "shared secret of the endpoint (prefer -secret-file or MIRROR_SECRET)")
	fs.StringVar(&c.secretFile, "secret-file", "", "file holding the shared secret")
	fs.IntVar(&c.concurrency, "concurrency", 4, "recordings transferred at once")
	fs.StringVar(&c.limit, "limit", "", "bandwidth limit, e.g. 50MB/s or 800KiB/s (default unlimited)")
	fs.BoolVar(&c.del, "delete", false, "delete recordings the source no longer has")
	fs.BoolVar(&c.verify, "verify", false, "hash every destination file instead of trusting size and time")
	fs.BoolVar(&c.fsync, "fsync", false, "flush files to disk before a recording is renamed into place")
	fs.BoolVar(&c.hashLocal, "hash", false, "from a local DIR, SHA-256 every copied byte and keep the digests in -hash-cache (by default the kernel copies files whose digest is not known, checked by size and unchanged source)")
	fs.StringVar(&c.cacheFile, "hash-cache", "", "file to keep destination hashes in (speeds up -verify)")
	fs.StringVar(&c.progress, "progress", "auto", "progress display: auto, bar, lines or none")
}

// check validates the flags and returns the bandwidth limit and the
// progress mode.
func (c *syncCmd) check(env *cli.Env) (int64, string, error) {
	if c.from == "" || c.to == "" {
		return 0, "", cli.Usagef("-from and -to are required")
	}
	rate, err := parseRate(c.limit)
	if err != nil {
		return 0, "", cli.Usagef("-limit: %v", err)
	}
	if c.concurrency < 1 {
		return 0, "", cli.Usagef("-concurrency must be at least 1")
	}
	mode := c.progress
	if mode == "auto" {
		mode = "lines"
		if isTerminal(os.Stderr) && env.Stderr == io.Writer(os.Stderr) {
			mode = "bar"
		}
	}
	if mode != "bar" && mode != "lines" && mode != "none" {
		return 0, "", cli.Usagef("-progress must be auto, bar, lines or none")
	}
	return rate, mode, nil
}

// source opens the tree or the endpoint of -from.
func (c *syncCmd) source(env *cli.Env) (mirror.Source, error) {
	if !strings.HasPrefix(c.from, "http://") && !strings.HasPrefix(c.from, "https://") {
		ds, err := mirror.NewDirSource(c.from)
		if err != nil {
			return nil, cli.Exit(cli.ExitUnavailable, err)
		}
		return ds, nil
	}
	s, err := env.SecretFrom(c.secret, c.secretFile, "MIRROR_SECRET")
	if err != nil {
		return nil, cli.Exit(cli.ExitUsage, err)
	}
	if s == "" {
		return nil, cli.Usagef("an HTTP source needs a secret (-secret, -secret-file or MIRROR_SECRET)")
	}
	src, err := mirror.NewHTTPSource(c.from, s)
	if err != nil {
		return nil, cli.Usagef("%v", err)
	}
	return src, nil
}

func (c *syncCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	rate, mode, err := c.check(env)
	if err != nil {
		return err
	}
	src, err := c.source(env)
	if err != nil {
		return err
	}
	log := logger(env)
	var cache *mirror.HashCache
	if c.cacheFile != "" {
		if cache, err = mirror.LoadHashCache(c.cacheFile); err != nil {
			return cli.Exit(cli.ExitUnavailable, fmt.Errorf("hash cache: %w", err))
		}
	}
	var counters mirror.Counters
	rep := newReporter(mode, env.Stderr, log, &counters)
	opts := []mirror.Option{
		mirror.WithConcurrency(c.concurrency), mirror.WithBandwidthLimit(rate), mirror.WithDelete(c.del),
		mirror.WithVerify(c.verify), mirror.WithFsync(c.fsync), mirror.WithHashLocal(c.hashLocal),
		mirror.WithProgress(rep.event),
	}
	if cache != nil {
		opts = append(opts, mirror.WithHashCache(cache))
	}
	start := time.Now()
	res, err := mirror.Sync(ctx, src, c.to, opts...)
	rep.finish()
	if cache != nil {
		if serr := cache.Save(c.cacheFile); serr != nil {
			log.Warn("sync: save hash cache", "err", serr)
		}
	}
	if res != nil {
		log.Info("sync finished", "recordings", res.Recordings, "copied", res.Copied, "unchanged", res.Unchanged,
			"failed", res.Failed, "deleted", res.Deleted, "files", res.Files, "bytes", res.Bytes,
			"elapsed", time.Since(start).Round(time.Millisecond).String())
	}
	if err != nil {
		log.Error("sync", "err", err)
	}
	return logged(ctx, err)
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// reporter shows progress as a bar or as log lines.
type reporter struct {
	mode     string
	w        io.Writer
	log      *slog.Logger
	counters *mirror.Counters
	bar      *progressbar.ProgressBar
}

func newReporter(mode string, w io.Writer, log *slog.Logger, c *mirror.Counters) *reporter {
	return &reporter{mode: mode, w: w, log: log, counters: c}
}

func (r *reporter) event(ev mirror.Event) {
	r.counters.Observe(ev)
	switch r.mode {
	case "bar":
		switch ev.Kind {
		case mirror.EventPlan:
			r.bar = progressbar.NewOptions64(ev.SyncTotal,
				progressbar.OptionSetWriter(r.w),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetDescription("syncing"),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionFullWidth())
		case mirror.EventBytes:
			if r.bar != nil {
				r.bar.Add64(ev.Bytes)
			}
		case mirror.EventDone, mirror.EventFailed:
			if r.bar != nil {
				v := r.counters.Values()
				r.bar.Describe("recordings " + strconv.FormatInt(v.Copied, 10) + " ok, " + strconv.FormatInt(v.Failed, 10) + " failed")
			}
		}
	case "lines":
		switch ev.Kind {
		case mirror.EventPlan:
			r.log.Info("plan", "recordings", ev.Recordings, "bytes", ev.SyncTotal)
		case mirror.EventDone:
			r.log.Info("recording mirrored", "record_id", ev.RecordID, "bytes", ev.Total, "sync_done", ev.SyncDone, "sync_total", ev.SyncTotal)
		case mirror.EventFailed:
			r.log.Warn("recording failed", "record_id", ev.RecordID, "err", ev.Err)
		case mirror.EventDeleted:
			r.log.Info("recording deleted", "record_id", ev.RecordID, "format", ev.Format)
		}
	}
}

func (r *reporter) finish() {
	if r.bar != nil {
		r.bar.Finish()
		io.WriteString(r.w, "\n")
	}
}
