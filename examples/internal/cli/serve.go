package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of [ServerConfig]: generous for API calls and small uploads,
// short enough that a slow or silent client cannot hold a connection long.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = time.Minute
	DefaultWriteTimeout      = time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 256 << 10
	DefaultMaxBodyReaders    = 64
	DefaultShutdownGrace     = 10 * time.Second
)

// ServerConfig holds the limits [Serve] puts on an HTTP server.
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included: a client
	// that sends its body one byte a second is cut off after it.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer (from the end of the request's
	// headers); a streaming handler replaces it with [Streaming].
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection waits for its next
	// request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's headers (and URL).
	MaxHeaderBytes int
	// MaxBodyReaders caps the requests that may be sending their body at
	// once; more are answered 503 at once, so slow senders cannot hold every
	// connection.
	MaxBodyReaders int
	// ShutdownGrace is how long running requests may take to finish once the
	// context is cancelled; then their connections are closed.
	ShutdownGrace time.Duration
	// CertFile and KeyFile, when set, make Serve speak HTTPS.
	CertFile, KeyFile string
}

// DefaultServerConfig returns the default limits.
func DefaultServerConfig() ServerConfig {
	return ServerConfig{
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		MaxBodyReaders:    DefaultMaxBodyReaders,
		ShutdownGrace:     DefaultShutdownGrace,
	}
}

// Register defines the flags that change c, with c's values as defaults
// (zero fields first take the defaults of [DefaultServerConfig]):
// -read-header-timeout, -read-timeout, -write-timeout, -idle-timeout,
// -max-header-bytes, -max-body-readers and -shutdown-grace. Operators who
// accept big uploads lengthen -read-timeout.
func (c *ServerConfig) Register(fs *flag.FlagSet) {
	c.fillDefaults()
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time a client may take to send a request's headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time a client may take to send a whole request, body included (lengthen for big uploads)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time an answer may take to be written")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "time a kept-alive connection may wait for its next request")
	fs.IntVar(&c.MaxHeaderBytes, "max-header-bytes", c.MaxHeaderBytes, "largest request headers (and URL) accepted, in bytes")
	fs.IntVar(&c.MaxBodyReaders, "max-body-readers", c.MaxBodyReaders, "requests that may be sending their body at once; more are answered 503")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "how long running requests may take to finish at shutdown")
}

func (c *ServerConfig) fillDefaults() {
	d := DefaultServerConfig()
	for _, f := range []struct{ v, def *time.Duration }{
		{&c.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {&c.ReadTimeout, &d.ReadTimeout},
		{&c.WriteTimeout, &d.WriteTimeout}, {&c.IdleTimeout, &d.IdleTimeout}, {&c.ShutdownGrace, &d.ShutdownGrace},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if c.MaxBodyReaders == 0 {
		c.MaxBodyReaders = d.MaxBodyReaders
	}
}

// Validate reports a limit that is not positive as a [*UsageError] naming
// its flag.
func (c ServerConfig) Validate() error {
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"-read-header-timeout", c.ReadHeaderTimeout}, {"-read-timeout", c.ReadTimeout},
		{"-write-timeout", c.WriteTimeout}, {"-idle-timeout", c.IdleTimeout},
	} {
		if f.v <= 0 {
			return Usagef("%s must be positive", f.name)
		}
	}
	switch {
	case c.ShutdownGrace < 0:
		return Usagef("-shutdown-grace must not be negative")
	case c.MaxHeaderBytes <= 0:
		return Usagef("-max-header-bytes must be positive")
	case c.MaxBodyReaders <= 0:
		return Usagef("-max-body-readers must be positive")
	case (c.CertFile == "") != (c.KeyFile == ""):
		return Usagef("a TLS certificate and its key go together")
	}
	return nil
}

// ListenAndServe listens on addr and calls [Serve].
func ListenAndServe(ctx context.Context, addr string, h http.Handler, cfg ServerConfig, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, h, cfg, log)
}

// Serve serves h on ln with the limits of cfg until ctx is cancelled, then
// shuts down gracefully: it stops accepting, lets running requests finish
// within cfg.ShutdownGrace, and closes what is left. It calls the ready
// function of [WithReady] once it accepts connections, closes ln, and
// returns nil after a clean shutdown. Server errors go to log at warn level.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, cfg ServerConfig, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           LimitBodyReaders(h, cfg.MaxBodyReaders),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() {
		if cfg.CertFile != "" {
			served <- srv.ServeTLS(ln, cfg.CertFile, cfg.KeyFile)
			return
		}
		served <- srv.Serve(ln)
	}()
	if ready := readyFrom(ctx); ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		_ = srv.Close()
	}
	<-served
	if err != nil {
		return fmt.Errorf("shutdown: requests still running after %s: %w", cfg.ShutdownGrace, err)
	}
	return nil
}

// LimitBodyReaders lets at most n requests send their body at once. A
// request with a body takes a slot before h runs and gives it back when its
// body is read to the end or closed, or h returns; a request that finds no
// slot is answered 503 Service Unavailable with Retry-After and its
// connection closed, without reading its body. Requests without a body
// are never limited. Together with a read timeout this bounds what slow
// senders can hold.
func LimitBodyReaders(h http.Handler, n int) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests are sending a body; retry later", http.StatusServiceUnavailable)
			return
		}
		body := &slotBody{ReadCloser: r.Body, release: sync.OnceFunc(func() { <-slots })}
		defer body.release()
		r.Body = body
		h.ServeHTTP(w, r)
	})
}

// slotBody gives its slot back once the body is read to the end or closed.
type slotBody struct {
	io.ReadCloser
	release func()
}

func (b *slotBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *slotBody) Close() error {
	b.release()
	return b.ReadCloser.Close()
}

// streamChunk is how much a streaming answer may send per deadline
// extension.
const streamChunk = 256 << 10

// Streaming wraps a handler whose answers may take longer than the server's
// write timeout (a file download, a long listing): instead of one deadline
// for the whole answer, the write deadline moves to stall from now before
// every write (or every 256 KiB copied from a file, which keeps sendfile).
// An answer that keeps moving is never cut off; a client that stops
// reading is after stall.
func Streaming(h http.Handler, stall time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), stall: stall}
		pw.extend()
		h.ServeHTTP(pw, r)
	})
}

// progressWriter moves the write deadline forward as the answer progresses.
type progressWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (p *progressWriter) extend() { _ = p.rc.SetWriteDeadline(time.Now().Add(p.stall)) }

func (p *progressWriter) Write(b []byte) (int, error) {
	p.extend()
	return p.ResponseWriter.Write(b)
}

// ReadFrom copies in chunks, each under a fresh deadline, through the
// underlying writer's ReadFrom (sendfile for files).
func (p *progressWriter) ReadFrom(src io.Reader) (int64, error) {
	var total int64
	for {
		p.extend()
		n, err := io.Copy(p.ResponseWriter, io.LimitReader(src, streamChunk))
		total += n
		if err != nil || n < streamChunk {
			return total, err
		}
	}
}

// Unwrap lets [http.ResponseController] reach the connection (Flush,
// deadlines, Hijack).
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }
