package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

func main() { os.Exit(cli.Main(run)) }

// run serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := &flags{}
	return cli.Run(ctx, &cli.Command{
		Name:      "fakebbb",
		UsageLine: "fakebbb [flags]",
		Short:     "a fake BigBlueButton server for tests",
		Flags:     f.register,
		Run: func(ctx context.Context, env *cli.Env, _ []string) error {
			cfg, err := f.config(env)
			if err != nil {
				return err
			}
			return serve(ctx, cfg, slog.New(slog.NewTextHandler(env.Stderr, nil)))
		},
	}, args, stdin, stdout, stderr)
}

// flags are the command line as given.
type flags struct {
	listen       string
	secret       string
	algs         string
	publishDelay time.Duration
	emptyTimeout time.Duration
	retry        string
	hookAlg      string
	bearer       bool
	baseURL      string
	noControl    bool
	recDir       string
	recSize      string
	more         *fakeFlags
	server       cli.ServerConfig
}

func (f *flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&f.secret, "secret", "", "shared secret (default $BBB_SECRET)")
	fs.StringVar(&f.algs, "algorithms", "sha1,sha256,sha384,sha512", "accepted checksum algorithms")
	fs.DurationVar(&f.publishDelay, "publish-delay", 0, "time a recording stays processing")
	fs.DurationVar(&f.emptyTimeout, "empty-timeout", time.Minute, "time an empty meeting keeps running (0: forever)")
	fs.StringVar(&f.retry, "webhook-retry", "1s,2s,5s,10s,30s", "delays between webhook delivery attempts")
	fs.StringVar(&f.hookAlg, "webhook-checksum", "sha1", "algorithm of webhook callback checksums")
	fs.BoolVar(&f.bearer, "webhook-bearer", false, "authenticate callbacks with a bearer token instead of a checksum")
	fs.StringVar(&f.baseURL, "base-url", "", "public URL ending in /bigbluebutton/")
	fs.BoolVar(&f.noControl, "no-control", false, "disable the /bbbtest/ control endpoints")
	fs.StringVar(&f.recDir, "recordings-dir", "", "write published recordings to this directory, in a BBB published tree layout")
	fs.StringVar(&f.recSize, "recording-size", "2MiB", "approximate size of each recording written to -recordings-dir (bytes, or with KiB/MiB/GiB)")
	f.more = addFakeFlags(fs)
	f.server.Register(fs)
}

// config is the parsed command line.
type config struct {
	listen  string
	opts    []bbbtest.Option
	baseURL string
	server  cli.ServerConfig
}

// config turns the flags into server options. It never puts the secret in
// an error.
func (f *flags) config(env *cli.Env) (*config, error) {
	s := env.Secret(f.secret, "BBB_SECRET")
	if s == "" {
		return nil, cli.Usagef("a shared secret is required: -secret or BBB_SECRET")
	}
	allowed, err := checksum.ParseAlgorithms(f.algs)
	if err != nil {
		return nil, cli.Usagef("-algorithms: %v", err)
	}
	ha, err := checksum.ParseAlgorithm(f.hookAlg)
	if err != nil {
		return nil, cli.Usagef("-webhook-checksum: %v", err)
	}
	delays, err := parseDelays(f.retry)
	if err != nil {
		return nil, err
	}
	if f.publishDelay < 0 || f.emptyTimeout < 0 {
		return nil, cli.Usagef("-publish-delay and -empty-timeout must not be negative")
	}
	cfg := &config{listen: f.listen, baseURL: f.baseURL, server: f.server}
	cfg.opts = []bbbtest.Option{
		bbbtest.WithSecret(s),
		bbbtest.WithAcceptedChecksums(allowed...),
		bbbtest.WithPublishDelay(f.publishDelay),
		bbbtest.WithEmptyMeetingTimeout(f.emptyTimeout),
		bbbtest.WithWebhookRetry(delays...),
		bbbtest.WithWebhookChecksum(ha),
	}
	if f.bearer {
		cfg.opts = append(cfg.opts, bbbtest.WithWebhookBearer())
	}
	moreOpts, err := f.more.options(env.Getenv)
	if err != nil {
		return nil, err
	}
	cfg.opts = append(cfg.opts, moreOpts...)
	if f.noControl {
		cfg.opts = append(cfg.opts, bbbtest.WithoutControlEndpoints())
	}
	if f.recDir != "" {
		n, err := parseSize(f.recSize)
		if err != nil {
			return nil, cli.Usagef("-recording-size: %v", err)
		}
		cfg.opts = append(cfg.opts, bbbtest.WithRecordingsDir(f.recDir), bbbtest.WithRecordingSize(n))
	}
	return cfg, f.server.Validate()
}

// parseDelays reads -webhook-retry: durations separated by commas.
func parseDelays(list string) ([]time.Duration, error) {
	var delays []time.Duration
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return nil, cli.Usagef("-webhook-retry: %q is not a duration", f)
		}
		delays = append(delays, d)
	}
	return delays, nil
}

// serve runs the fake until ctx is done.
func serve(ctx context.Context, cfg *config, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	base := cfg.baseURL
	if base == "" {
		base = "http://" + publicHostPort(ln.Addr()) + "/bigbluebutton/"
	}
	fake, err := bbbtest.New(append(cfg.opts, bbbtest.WithBaseURL(base))...)
	if err != nil {
		_ = ln.Close()
		return cli.Usagef("%v", err)
	}
	defer fake.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("/", fake)
	log.Info("fake BigBlueButton listening", "addr", ln.Addr().String(), "api", base+"api/")
	if err := cli.Serve(ctx, ln, logRequests(log, mux), cfg.server, log); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// publicHostPort is the listening address as clients on this machine
// reach it: an unspecified address (":8090", "0.0.0.0:8090") becomes
// localhost. Containers reached under another name should set -base-url.
func publicHostPort(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// statusWriter remembers the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (the fake hijacks
// it to simulate dropped connections).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack passes hijacking through, for the fake's dropped-connection faults.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// logRequests logs one line per request: method, path, status, size and
// duration. The query string is left out: it carries checksums, passwords
// and session tokens.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = -1 // connection dropped by a fault
			}
			log.Info("request", "method", r.Method, "path", r.URL.Path, "status", status, "bytes", sw.bytes, "duration", time.Since(start).Round(time.Microsecond))
		}()
		next.ServeHTTP(sw, r)
	})
}

// fakeFlags are the flags for the hooks API, join error redirects and
// STUN/TURN servers.
type fakeFlags struct {
	hooksSHA1                               *bool
	redirectAllow, stunServers, turnServers stringList
	turnSecret                              *string
	turnTTL                                 *time.Duration
}

func addFakeFlags(fs *flag.FlagSet) *fakeFlags {
	f := &fakeFlags{}
	f.hooksSHA1 = fs.Bool("hooks-sha1-only", false, "accept only SHA-1 checksums on hooks/*, as bbb-webhooks before BBB 3.0")
	fs.Var(&f.redirectAllow, "error-redirect-allow", "URL prefix a join with a bad checksum may be redirected to through errorRedirectUrl (repeatable)")
	fs.Var(&f.stunServers, "stun-server", "STUN server URI the stuns call returns, such as stun:stun.example.com:3478 (repeatable)")
	fs.Var(&f.turnServers, "turn-server", "TURN server URI the stuns call returns with coturn REST credentials (repeatable)")
	f.turnSecret = fs.String("turn-secret", "", "coturn static-auth-secret for -turn-server credentials (default $TURN_SECRET)")
	f.turnTTL = fs.Duration("turn-ttl", 24*time.Hour, "lifetime of -turn-server credentials")
	return f
}

// options turns the parsed flags into server options. It never puts the
// TURN secret in an error.
func (f *fakeFlags) options(getenv func(string) string) ([]bbbtest.Option, error) {
	var opts []bbbtest.Option
	if *f.hooksSHA1 {
		opts = append(opts, bbbtest.WithHooksSHA1Only())
	}
	if len(f.redirectAllow) > 0 {
		opts = append(opts, bbbtest.WithErrorRedirectAllowList(f.redirectAllow...))
	}
	if len(f.stunServers) > 0 {
		opts = append(opts, bbbtest.WithSTUNServers(f.stunServers...))
	}
	if len(f.turnServers) > 0 {
		secret := orEnv(*f.turnSecret, getenv, "TURN_SECRET")
		if secret == "" {
			return nil, cli.Usagef("-turn-server needs -turn-secret or TURN_SECRET")
		}
		opts = append(opts, bbbtest.WithTURNServers(secret, *f.turnTTL, f.turnServers...))
	}
	return opts, nil
}

// orEnv is v, or the environment variable key when v is empty.
func orEnv(v string, getenv func(string) string, key string) string {
	if v != "" {
		return v
	}
	return getenv(key)
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// parseSize reads a byte count: digits, optionally followed by KiB, MiB or
// GiB (K, M and G mean the same).
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size such as 4MiB", v)
	}
	return n * mult, nil
}
