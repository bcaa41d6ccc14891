package mirror

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
	"golang.org/x/time/rate"
)

// Each constructor of the package has its own option type, so an option
// that means nothing to it does not compile, and an option that means the
// same to several (WithClock, WithHashCache, WithScanWorkers) has one name
// everywhere. Every option checks its value and names itself in its error,
// which the constructor returns.

// Option configures Sync.
type Option interface{ applySync(*syncConfig) error }

// DirOption configures NewDirSource.
type DirOption interface{ applyDir(*DirSource) error }

// HandlerOption configures NewHandler.
type HandlerOption interface{ applyHandler(*Handler) error }

// HTTPOption configures NewHTTPSource.
type HTTPOption interface{ applyHTTP(*HTTPSource) error }

// ImportOption configures Import and ImportFile.
type ImportOption interface{ applyImport(*importConfig) error }

// PruneOption configures Prune.
type PruneOption interface{ applyPrune(*pruneConfig) error }

type (
	syncOpt    func(*syncConfig) error
	dirOpt     func(*DirSource) error
	handlerOpt func(*Handler) error
	httpOpt    func(*HTTPSource) error
	importOpt  func(*importConfig) error
	pruneOpt   func(*pruneConfig) error
)

func (o syncOpt) applySync(c *syncConfig) error       { return o(c) }
func (o dirOpt) applyDir(s *DirSource) error          { return o(s) }
func (o handlerOpt) applyHandler(h *Handler) error    { return o(h) }
func (o httpOpt) applyHTTP(s *HTTPSource) error       { return o(s) }
func (o importOpt) applyImport(c *importConfig) error { return o(c) }
func (o pruneOpt) applyPrune(c *pruneConfig) error    { return o(c) }

func optionError(name, format string, a ...any) error {
	return fmt.Errorf("mirror: "+name+": "+format, a...)
}

// ClockOption is the option WithClock returns; Handler, HTTPSource and Prune
// accept it.
type ClockOption struct{ now func() time.Time }

// WithClock sets the time source: of a Handler (checking a link's
// expires), of an HTTPSource (the expires it signs) and of Prune (the age
// cutoff). Default time.Now.
func WithClock(now func() time.Time) ClockOption { return ClockOption{now} }

func (o ClockOption) check() error {
	if o.now == nil {
		return optionError("WithClock", "nil clock")
	}
	return nil
}

func (o ClockOption) applyHandler(h *Handler) error   { h.now = o.now; return o.check() }
func (o ClockOption) applyHTTP(s *HTTPSource) error   { s.now = o.now; return o.check() }
func (o ClockOption) applyPrune(c *pruneConfig) error { c.now = o.now; return o.check() }

// HashCacheOption is the option WithHashCache returns; Sync, DirSource and
// Handler accept it.
type HashCacheOption struct{ cache *HashCache }

// WithHashCache sets the cache of SHA-256 digests of the tree a value works
// on, keyed by path, size and modification time: for Sync the destination
// (so that WithVerify need not re-read unchanged files; keep it across
// syncs, or Save/Load it), for a DirSource or a Handler the tree they read
// (so that a restarted server does not re-read it). Default: a fresh
// in-memory cache.
func WithHashCache(c *HashCache) HashCacheOption { return HashCacheOption{c} }

func (o HashCacheOption) check() error {
	if o.cache == nil {
		return optionError("WithHashCache", "nil cache")
	}
	return nil
}

func (o HashCacheOption) applySync(c *syncConfig) error { c.cache = o.cache; return o.check() }
func (o HashCacheOption) applyDir(s *DirSource) error   { s.cache = o.cache; return o.check() }
func (o HashCacheOption) applyHandler(h *Handler) error { h.src.cache = o.cache; return o.check() }

// ScanWorkersOption is the option WithScanWorkers returns; Sync and
// DirSource accept it.
type ScanWorkersOption struct{ n int }

// WithScanWorkers sets how many directories are listed in parallel when a
// tree is scanned (default 4): the destination for Sync, the tree for a
// DirSource.
func WithScanWorkers(n int) ScanWorkersOption { return ScanWorkersOption{n} }

func (o ScanWorkersOption) check() error {
	if o.n < 1 {
		return optionError("WithScanWorkers", "must be at least 1, got %d", o.n)
	}
	return nil
}

func (o ScanWorkersOption) applySync(c *syncConfig) error { c.scanWorkers = o.n; return o.check() }
func (o ScanWorkersOption) applyDir(s *DirSource) error   { s.workers = o.n; return o.check() }

// Sync options.

// WithConcurrency sets how many recordings are transferred at once
// (default 4).
func WithConcurrency(n int) Option {
	return syncOpt(func(c *syncConfig) error {
		if n < 1 {
			return optionError("WithConcurrency", "must be at least 1, got %d", n)
		}
		c.concurrency = n
		return nil
	})
}

// WithBandwidthLimit caps the transfer at bytesPerSecond over the whole sync
// (0 means unlimited).
func WithBandwidthLimit(bytesPerSecond int64) Option {
	return syncOpt(func(c *syncConfig) error {
		if bytesPerSecond < 0 {
			return optionError("WithBandwidthLimit", "negative limit %d", bytesPerSecond)
		}
		if bytesPerSecond == 0 {
			c.limiter = nil
			return nil
		}
		burst := int(min(bytesPerSecond, copyBufferSize))
		c.limiter = rate.NewLimiter(rate.Limit(bytesPerSecond), max(burst, 1))
		return nil
	})
}

// WithLimiter uses l (bytes per second) to pace transfers, for example one
// limiter shared by several syncs.
func WithLimiter(l *rate.Limiter) Option {
	return syncOpt(func(c *syncConfig) error {
		if l == nil {
			return optionError("WithLimiter", "nil limiter (use WithBandwidthLimit(0) for none)")
		}
		c.limiter = l
		return nil
	})
}

// WithProgress sets the callback receiving progress events (nil: none).
func WithProgress(f func(Event)) Option {
	return syncOpt(func(c *syncConfig) error { c.progress = f; return nil })
}

// WithDelete removes from the destination the format directories of
// recordings the source no longer lists. Recordings the source could not
// read are never deleted, and a source listing no recordings at all
// deletes nothing (ErrEmptySource).
func WithDelete(on bool) Option {
	return syncOpt(func(c *syncConfig) error { c.delete = on; return nil })
}

// WithVerify hashes every destination file and compares it with the source
// instead of trusting equal size and modification time, so silent
// corruption is found and repaired. It reads the whole destination tree
// (once; hashes are cached by size and modification time).
func WithVerify(on bool) Option {
	return syncOpt(func(c *syncConfig) error { c.verify = on; return nil })
}

// WithHashLocal makes Sync hash with SHA-256 every byte it copies from a
// source that sends no digests (a DirSource), in the pass that writes it,
// and keep the digests in the destination hash cache (WithHashCache), so
// that a later WithVerify need not read the new files.
//
// It is off by default: a file of a local source whose digest is not known
// is copied by the kernel, file to file (copy_file_range), and the copy is
// checked by its size and by the source file staying unchanged while it is
// copied, as cp and rsync do, plus metadata.xml before the recording is
// installed. Whenever the digest is known (the manifest has it, or the
// source is a Digester that knows it) the copy is hashed and compared with
// it, whatever this option says. Hashing costs about 0.6 CPU-seconds per
// GiB with SHA extensions, more without them.
func WithHashLocal(on bool) Option {
	return syncOpt(func(c *syncConfig) error { c.hashLocal = on; return nil })
}

// WithStagingDir sets where recordings are assembled. It must be on the
// same file system as the destination. Default: <dst>/.mirror-staging.
func WithStagingDir(dir string) Option {
	return syncOpt(func(c *syncConfig) error {
		if dir == "" {
			return optionError("WithStagingDir", "empty directory")
		}
		c.staging = dir
		return nil
	})
}

// WithFsync makes Sync flush every file to stable storage before a recording
// is renamed into place (default off, as with cp and rsync).
func WithFsync(on bool) Option {
	return syncOpt(func(c *syncConfig) error { c.fsync = on; return nil })
}

// WithRetries sets how many times a failed file transfer is resumed within
// one sync before the recording fails (default 3).
func WithRetries(n int) Option {
	return syncOpt(func(c *syncConfig) error {
		if n < 0 {
			return optionError("WithRetries", "must not be negative, got %d", n)
		}
		c.retries = n
		return nil
	})
}

// WithRetryDelay sets the pause before a resumed attempt (default 200ms,
// doubled on every attempt).
func WithRetryDelay(d time.Duration) Option {
	return syncOpt(func(c *syncConfig) error {
		if d < 0 {
			return optionError("WithRetryDelay", "negative delay %v", d)
		}
		c.retryDelay = d
		return nil
	})
}

// DirSource options.

// WithHashes makes Manifest fill in the SHA-256 of every file (served by
// Handler). Without it, Manifest only stats files and Sync hashes what it
// copies.
func WithHashes(on bool) DirOption {
	return dirOpt(func(s *DirSource) error { s.hashes = on; return nil })
}

// Handler options.

// WithAcceptedChecksums restricts the checksum algorithms the Handler
// accepts (default: all four).
func WithAcceptedChecksums(algs ...checksum.Algorithm) HandlerOption {
	return handlerOpt(func(h *Handler) error {
		if len(algs) == 0 {
			return optionError("WithAcceptedChecksums", "no algorithm")
		}
		for _, a := range algs {
			if !a.Valid() {
				return optionError("WithAcceptedChecksums", "invalid checksum algorithm %d", int(a))
			}
		}
		h.allowed = algs
		return nil
	})
}

// WithHardLinks lets the Handler serve regular files with more than one
// hard link. By default they are refused (the recording is left out of the
// manifest and listed in its skipped recordings with the reason, and the
// file is not served): a hard link can share a file from outside the tree,
// and no path check can see that.
func WithHardLinks(allow bool) HandlerOption {
	return handlerOpt(func(h *Handler) error {
		h.src.links = hardLinks(!allow)
		return nil
	})
}

// HTTPSource options.

// transport wraps an option of the shared HTTP core, which validates it
// and names it in its error.
func transport(o httpcore.Option) HTTPOption {
	return httpOpt(func(s *HTTPSource) error { return o(&s.cfg) })
}

// WithHTTPClient sets the HTTP client (default: a client without an overall
// timeout, since files can be large, keeping 32 idle connections per host;
// cancel with the context).
func WithHTTPClient(c *http.Client) HTTPOption { return transport(httpcore.HTTPClient(c)) }

// WithRetry retries a request that got no answer or a 429/502/503/504
// before its body (default: one attempt; Sync resumes interrupted files on
// its own, see WithRetries).
func WithRetry(p RetryPolicy) HTTPOption { return transport(httpcore.Retry(p)) }

// WithLogger logs every attempt at debug level and every retry as a
// warning, with redacted URLs.
func WithLogger(l *slog.Logger) HTTPOption { return transport(httpcore.Logger(l)) }

// WithObserver calls fn after every attempt (metrics.ClientMetrics
// observes bbbkit's clients through it).
func WithObserver(fn func(RequestInfo)) HTTPOption { return transport(httpcore.Observer(fn)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) HTTPOption { return transport(httpcore.UserAgent(ua)) }

// WithChecksum sets the algorithm requests are signed with (default
// SHA-256).
func WithChecksum(a checksum.Algorithm) HTTPOption {
	return httpOpt(func(s *HTTPSource) error {
		if !a.Valid() {
			return optionError("WithChecksum", "invalid checksum algorithm %d", int(a))
		}
		s.alg = a
		return nil
	})
}

// WithMaxManifestSize bounds the manifest read (default
// DefaultMaxManifestSize).
func WithMaxManifestSize(n int64) HTTPOption {
	return httpOpt(func(s *HTTPSource) error {
		if n <= 0 {
			return optionError("WithMaxManifestSize", "must be positive, got %d", n)
		}
		s.maxMan = n
		return nil
	})
}

// Import options.

// WithMaxFileSize refuses archives with a file larger than n bytes
// (default DefaultMaxFileSize).
func WithMaxFileSize(n int64) ImportOption {
	return importOpt(func(c *importConfig) error {
		if n <= 0 {
			return optionError("WithMaxFileSize", "must be positive, got %d", n)
		}
		c.maxFile = n
		return nil
	})
}

// WithMaxArchiveSize refuses archives whose files add up to more than n
// bytes (default DefaultMaxArchiveSize).
func WithMaxArchiveSize(n int64) ImportOption {
	return importOpt(func(c *importConfig) error {
		if n <= 0 {
			return optionError("WithMaxArchiveSize", "must be positive, got %d", n)
		}
		c.maxTotal = n
		return nil
	})
}

// WithMaxEntries refuses archives with more than n entries (default
// DefaultMaxEntries).
func WithMaxEntries(n int) ImportOption {
	return importOpt(func(c *importConfig) error {
		if n <= 0 {
			return optionError("WithMaxEntries", "must be positive, got %d", n)
		}
		c.maxEntries = n
		return nil
	})
}

// WithUnpublished imports every format into the unpublished tree, as
// Scalelite's RECORDING_IMPORT_UNPUBLISHED does.
func WithUnpublished(on bool) ImportOption {
	return importOpt(func(c *importConfig) error { c.unpublished = on; return nil })
}

// WithWorkDir sets where the archive is extracted before it is moved into
// place. Default: <published>/.mirror-import. On another file system than
// a tree, the formats bound for that tree are copied next to their place
// before anything in the trees changes.
func WithWorkDir(dir string) ImportOption {
	return importOpt(func(c *importConfig) error {
		if dir == "" {
			return optionError("WithWorkDir", "empty directory")
		}
		c.workDir = dir
		return nil
	})
}

// Prune options.

// WithOlderThan prunes recordings that started more than d ago.
func WithOlderThan(d time.Duration) PruneOption {
	return pruneOpt(func(c *pruneConfig) error {
		if d <= 0 {
			return optionError("WithOlderThan", "must be positive, got %v", d)
		}
		c.olderThan = d
		return nil
	})
}

// WithKeep prunes all but the n most recent recordings.
func WithKeep(n int) PruneOption {
	return pruneOpt(func(c *pruneConfig) error {
		if n < 0 {
			return optionError("WithKeep", "must not be negative, got %d", n)
		}
		c.keep = n
		return nil
	})
}

// WithDryRun only reports what would be removed.
func WithDryRun(on bool) PruneOption {
	return pruneOpt(func(c *pruneConfig) error { c.dryRun = on; return nil })
}

var errNilOption = errors.New("mirror: nil option")
