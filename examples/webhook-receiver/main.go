package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

type config struct {
	listen      string
	secret      string
	callbackURL string
	algorithms  string
	bearer      bool
	legacy      bool
	maxBody     int64
	dedup       time.Duration
	maxAge      time.Duration
	showSecrets bool
	verbose     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// run is main with its environment injected: it serves until ctx ends.
// ready, if not nil, receives the listening address once the server accepts
// connections.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "webhook-receiver:", err)
		return 2
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	out := &lineWriter{w: bufio.NewWriter(stdout), showSecrets: cfg.showSecrets}
	h, err := newHandler(cfg, out, log)
	if err != nil {
		fmt.Fprintln(stderr, "webhook-receiver:", err)
		return 2
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("/", h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		log.Error("cannot listen", "addr", cfg.listen, "error", err)
		return 1
	}
	log.Info("receiving bbb-webhooks callbacks", "addr", ln.Addr().String(), "callback_url", cfg.callbackURL,
		"bearer", cfg.bearer, "legacy_checksum", cfg.legacy, "dedup", cfg.dedup, "max_age", cfg.maxAge)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server failed", "error", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Error("shutdown", "error", err)
		return 1
	}
	st := h.Stats()
	log.Info("stopped", "accepted", st.Accepted, "duplicates", st.Duplicates, "events", st.Events, "rejected", fmt.Sprint(st.Rejected))
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("webhook-receiver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&cfg.secret, "secret", "", "shared secret of the BigBlueButton server (default $BBB_SECRET)")
	fs.StringVar(&cfg.callbackURL, "callback-url", "", "callback URL exactly as registered with hooks/create (required)")
	fs.StringVar(&cfg.algorithms, "algorithms", "sha1,sha256,sha384,sha512", "checksum algorithms to accept")
	fs.BoolVar(&cfg.bearer, "bearer", false, "also accept \"Authorization: Bearer <secret>\" (bbb-webhooks auth2_0)")
	fs.BoolVar(&cfg.legacy, "legacy-checksum", false, "also accept the body-less checksum of bbb-webhooks 3.0-3.3 (body then unauthenticated)")
	fs.Int64Var(&cfg.maxBody, "max-body", webhooks.DefaultMaxBodyBytes, "maximum body size in bytes")
	fs.DurationVar(&cfg.dedup, "dedup", 15*time.Minute, "print a retried delivery only once within this window (0 disables)")
	fs.DurationVar(&cfg.maxAge, "max-age", webhooks.DefaultMaxAge, "refuse deliveries whose timestamp is older than this (0 disables; bbb-webhooks retries for about 6m)")
	fs.BoolVar(&cfg.showSecrets, "show-secrets", false, "print meeting passwords and session tokens instead of redacting them")
	fs.BoolVar(&cfg.verbose, "v", false, "log accepted deliveries too")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.secret == "" {
		cfg.secret = os.Getenv("BBB_SECRET")
	}
	if cfg.secret == "" {
		return nil, errors.New("-secret (or BBB_SECRET) is required")
	}
	if cfg.callbackURL == "" {
		return nil, errors.New("-callback-url is required")
	}
	if cfg.dedup < 0 || cfg.maxAge < 0 {
		return nil, errors.New("-dedup and -max-age must not be negative")
	}
	return cfg, nil
}

func newHandler(cfg *config, out *lineWriter, log *slog.Logger) (*webhooks.Handler, error) {
	algs, err := checksum.ParseAlgorithms(cfg.algorithms)
	if err != nil {
		return nil, err
	}
	opts := []webhooks.HandlerOption{
		webhooks.WithAcceptedChecksums(algs...),
		webhooks.WithMaxBodyBytes(cfg.maxBody),
		webhooks.WithLogger(log),
	}
	if cfg.bearer {
		opts = append(opts, webhooks.WithBearer())
	}
	if cfg.legacy {
		opts = append(opts, webhooks.WithLegacyChecksum())
	}
	if cfg.dedup > 0 {
		window := cfg.dedup
		if cfg.maxAge > 0 {
			// Remember deliveries at least as long as they are fresh, so a
			// replay is either absorbed or refused as stale.
			window = max(window, cfg.maxAge+webhooks.DefaultMaxSkew)
		}
		opts = append(opts, webhooks.WithDedup(window, 0))
	}
	if cfg.maxAge > 0 {
		opts = append(opts, webhooks.WithMaxAge(cfg.maxAge, webhooks.DefaultMaxSkew))
	} else {
		opts = append(opts, webhooks.WithoutMaxAge())
	}
	return webhooks.NewHandler(cfg.secret, cfg.callbackURL, out.deliver, opts...)
}
