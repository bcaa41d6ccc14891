package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
	"github.com/schollz/progressbar/v3"
)

func cmdSync(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "sync")
	from := fs.String("from", "", "source: a published tree (DIR) or an export endpoint (http(s)://...)")
	to := fs.String("to", "", "destination published tree")
	secret := fs.String("secret", "", "shared secret of the endpoint (prefer -secret-file or MIRROR_SECRET)")
	secretFile := fs.String("secret-file", "", "file holding the shared secret")
	concurrency := fs.Int("concurrency", 4, "recordings transferred at once")
	limit := fs.String("limit", "", "bandwidth limit, e.g. 50MB/s or 800KiB/s (default unlimited)")
	del := fs.Bool("delete", false, "delete recordings the source no longer has")
	verify := fs.Bool("verify", false, "hash every destination file instead of trusting size and time")
	fsync := fs.Bool("fsync", false, "flush files to disk before a recording is renamed into place")
	hashLocal := fs.Bool("hash", false, "from a local DIR, SHA-256 every copied byte and keep the digests in -hash-cache (by default the kernel copies files whose digest is not known, checked by size and unchanged source)")
	cacheFile := fs.String("hash-cache", "", "file to keep destination hashes in (speeds up -verify)")
	progress := fs.String("progress", "auto", "progress display: auto, bar, lines or none")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageErr(e, "sync: unexpected argument %q", fs.Arg(0))
	}
	if *from == "" || *to == "" {
		return usageErr(e, "sync: -from and -to are required")
	}
	rate, err := parseRate(*limit)
	if err != nil {
		return usageErr(e, "sync: -limit: %v", err)
	}
	if *concurrency < 1 {
		return usageErr(e, "sync: -concurrency must be at least 1")
	}
	mode := *progress
	if mode == "auto" {
		mode = "lines"
		if isTerminal(os.Stderr) && e.stderr == io.Writer(os.Stderr) {
			mode = "bar"
		}
	}
	if mode != "bar" && mode != "lines" && mode != "none" {
		return usageErr(e, "sync: -progress must be auto, bar, lines or none")
	}

	var src mirror.Source
	if strings.HasPrefix(*from, "http://") || strings.HasPrefix(*from, "https://") {
		s, err := secretFrom(e, *secret, *secretFile)
		if err != nil {
			e.log.Error("sync", "err", err)
			return exitUsage
		}
		if s == "" {
			return usageErr(e, "sync: an HTTP source needs a secret (-secret, -secret-file or MIRROR_SECRET)")
		}
		if src, err = mirror.NewHTTPSource(*from, s); err != nil {
			return usageErr(e, "sync: %v", err)
		}
	} else {
		ds, err := mirror.NewDirSource(*from)
		if err != nil {
			e.log.Error("sync", "err", err)
			return exitUnavailable
		}
		src = ds
	}
	var cache *mirror.HashCache
	if *cacheFile != "" {
		if cache, err = mirror.LoadHashCache(*cacheFile); err != nil {
			e.log.Error("sync: hash cache", "err", err)
			return exitUnavailable
		}
	}
	var counters mirror.Counters
	rep := newReporter(mode, e.stderr, e.log, &counters)
	opts := []mirror.Option{
		mirror.WithConcurrency(*concurrency),
		mirror.WithBandwidthLimit(rate),
		mirror.WithDelete(*del),
		mirror.WithVerify(*verify),
		mirror.WithFsync(*fsync),
		mirror.WithHashLocal(*hashLocal),
		mirror.WithProgress(rep.event),
	}
	if cache != nil {
		opts = append(opts, mirror.WithHashCache(cache))
	}
	start := time.Now()
	res, err := mirror.Sync(ctx, src, *to, opts...)
	rep.finish()
	if cache != nil {
		if serr := cache.Save(*cacheFile); serr != nil {
			e.log.Warn("sync: save hash cache", "err", serr)
		}
	}
	if res != nil {
		e.log.Info("sync finished", "recordings", res.Recordings, "copied", res.Copied, "unchanged", res.Unchanged,
			"failed", res.Failed, "deleted", res.Deleted, "files", res.Files, "bytes", res.Bytes,
			"elapsed", time.Since(start).Round(time.Millisecond).String())
	}
	if err != nil {
		e.log.Error("sync", "err", err)
	}
	return exitFor(ctx, err)
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
