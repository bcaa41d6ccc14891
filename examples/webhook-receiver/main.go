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
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
	"github.com/bbbkit/bbbkit/webhooks/pool"
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
	server      cli.ServerConfig
	pool        string
	poolEvery   time.Duration
	redisAddr   string
	redisPrefix string
	redisLease  time.Duration

	attendanceDir        string
	attendanceFormat     string
	attendancePseudonyms bool

	gapfill time.Duration
	bbbURL  string
}

func main() { os.Exit(cli.Main(run)) }

// run is main with its environment injected: it serves until ctx ends and
// returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := &config{}
	cmd := &cli.Command{Name: "webhook-receiver", Short: "receive bbb-webhooks callbacks and print one JSON line per event", Flags: cfg.register, Run: cfg.run}
	return cli.Run(ctx, cmd, args, stdin, stdout, stderr)
}

func (cfg *config) register(fs *flag.FlagSet) {
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
	fs.StringVar(&cfg.pool, "pool", "", "file listing a pool of servers, one \"ID API-URL SECRET\" a line: register the hook on each, at -callback-url/ID")
	fs.DurationVar(&cfg.poolEvery, "pool-interval", pool.DefaultInterval, "how often -pool re-reads the file and checks every server's hook")
	fs.StringVar(&cfg.redisAddr, "redis", "", "Redis address (host:port): store each event in Redis Streams before answering 200, print it from there; replicas share it")
	fs.StringVar(&cfg.redisPrefix, "redis-prefix", durable.DefaultPrefix, "prefix of the Redis keys of -redis")
	fs.DurationVar(&cfg.redisLease, "redis-lease", durable.DefaultLease, "how long a dead replica's events wait before another replica takes them (-redis)")
	fs.StringVar(&cfg.attendanceDir, "attendance-dir", "", "write an attendance report of every ended meeting into this directory")
	fs.StringVar(&cfg.attendanceFormat, "attendance-format", "json", "format of -attendance-dir reports: json or csv")
	fs.DurationVar(&cfg.gapfill, "gapfill", 0, "poll getMeetings at this interval and print the meeting and user events that were lost, marked synthesized (0 disables)")
	fs.StringVar(&cfg.bbbURL, "bbb-url", "", "API URL of the BigBlueButton server, for -gapfill without -pool")
	fs.BoolVar(&cfg.attendancePseudonyms, "attendance-pseudonyms", false, "reports without names, user IDs hashed with the key in $"+attendanceKeyEnv)
	// Callbacks are small: shorter read and write timeouts than the defaults.
	cfg.server.ReadTimeout = 30 * time.Second
	cfg.server.WriteTimeout = 30 * time.Second
	cfg.server.Register(fs)
}

// check validates the flags and reads the secret from the environment when
// no flag gave it.
func (cfg *config) check(env *cli.Env) error {
	if cfg.pool != "" {
		if cfg.poolEvery <= 0 {
			return cli.Usagef("-pool-interval must be positive")
		}
	} else if cfg.secret = env.Secret(cfg.secret, "BBB_SECRET"); cfg.secret == "" {
		return cli.Usagef("-secret (or BBB_SECRET) is required")
	}
	if cfg.callbackURL == "" {
		return cli.Usagef("-callback-url is required")
	}
	if cfg.dedup < 0 || cfg.maxAge < 0 {
		return cli.Usagef("-dedup and -max-age must not be negative")
	}
	return cfg.server.Validate()
}

func (cfg *config) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := cfg.check(env); err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	out := &lineWriter{w: bufio.NewWriter(env.Stdout), showSecrets: cfg.showSecrets}
	app, err := cfg.newAttendance(env, out.deliver)
	if err != nil {
		return err
	}
	app, poll, err := cfg.newGapfill(app)
	if err != nil {
		return err
	}
	sink, err := cfg.newSink(app, log)
	if err != nil {
		return err
	}
	sink.poll = poll
	defer sink.close()
	if cfg.pool != "" {
		return sink.serve(ctx, func(ctx context.Context) error { return cfg.runPool(ctx, sink, log) })
	}
	h, err := newHandler(cfg, sink.deliver, log)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	mux := newMux(sink.wrap(h))
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	log.Info("receiving bbb-webhooks callbacks", "addr", ln.Addr().String(), "callback_url", cfg.callbackURL,
		"bearer", cfg.bearer, "legacy_checksum", cfg.legacy, "dedup", cfg.dedup, "max_age", cfg.maxAge)
	if err := sink.serve(ctx, func(ctx context.Context) error { return cli.Serve(ctx, ln, mux, cfg.server, log) }); err != nil {
		return err
	}
	st := h.Stats()
	log.Info("stopped", "accepted", st.Accepted, "duplicates", st.Duplicates, "events", st.Events, "rejected", fmt.Sprint(st.Rejected))
	return nil
}

// newMux serves h at / and a health probe at /healthz.
func newMux(h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("/", h)
	return mux
}

func newHandler(cfg *config, deliver webhooks.DeliveryFunc, log *slog.Logger) (*webhooks.Handler, error) {
	opts, err := cfg.handlerOptions(log)
	if err != nil {
		return nil, err
	}
	return webhooks.NewHandler(cfg.secret, cfg.callbackURL, deliver, opts...)
}

// handlerOptions turns the flags into the options of a webhooks.Handler.
func (cfg *config) handlerOptions(log *slog.Logger) ([]webhooks.HandlerOption, error) {
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
	return opts, nil
}
