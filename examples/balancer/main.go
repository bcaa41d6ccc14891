package main

import (
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil))
}

// options are the parsed flags.
type options struct {
	listen        string
	secret        string
	redisAddr     string
	redisPrefix   string
	pollInterval  time.Duration
	pollTimeout   time.Duration
	poller        bool
	multitenancy  bool
	algorithms    []checksum.Algorithm
	forwardTO     time.Duration
	logLevel      slog.Level
	shutdownGrace time.Duration
	strongAuth    bool
}

// errUsage marks flag errors (exit code 2).
var errUsage = errors.New("usage")

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("balancer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	var algs, level string
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve on (host:port)")
	fs.StringVar(&o.secret, "secret", "", "balancer secret (default $BALANCER_SECRET; prefer the environment, flags show in ps)")
	fs.StringVar(&o.redisAddr, "redis", "", "Redis address host:port for shared state (default: in memory)")
	fs.StringVar(&o.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "prefix of the Redis keys")
	fs.DurationVar(&o.pollInterval, "poll-interval", scheduler.DefaultPollInterval, "how often the servers are polled")
	fs.DurationVar(&o.pollTimeout, "poll-timeout", scheduler.DefaultPollTimeout, "timeout of one server's poll")
	fs.BoolVar(&o.poller, "poller", true, "run the poller (run it in one process per Redis)")
	fs.BoolVar(&o.multitenancy, "multitenancy", false, "enable tenants, selected by the first label of the Host header")
	fs.StringVar(&algs, "checksum-algorithms", "sha1,sha256,sha512", "checksum algorithms accepted from clients")
	fs.DurationVar(&o.forwardTO, "forward-timeout", scalelitetest.DefaultForwardTimeout, "timeout of calls to the BigBlueButton servers")
	fs.StringVar(&level, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "how long running requests may take at shutdown")
	fs.BoolVar(&o.strongAuth, "require-strong-auth", false, "admin API: refuse Scalelite's legacy checksum; require bodySHA256 and expires in the signed query")
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "balancer: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return nil, errUsage
	}
	if o.secret == "" {
		o.secret = getenv("BALANCER_SECRET")
	}
	if o.secret == "" {
		fmt.Fprintln(stderr, "balancer: a secret is required: -secret or $BALANCER_SECRET")
		return nil, errUsage
	}
	if o.pollInterval <= 0 || o.pollTimeout <= 0 || o.forwardTO <= 0 || o.shutdownGrace < 0 {
		fmt.Fprintln(stderr, "balancer: durations must be positive")
		return nil, errUsage
	}
	var err error
	if o.algorithms, err = checksum.ParseAlgorithms(algs); err != nil {
		fmt.Fprintln(stderr, "balancer: -checksum-algorithms:", err)
		return nil, errUsage
	}
	if err := o.logLevel.UnmarshalText([]byte(level)); err != nil {
		fmt.Fprintln(stderr, "balancer: -log-level must be debug, info, warn or error")
		return nil, errUsage
	}
	return o, nil
}

// run is main without the process: it serves until ctx ends and returns the
// exit code. When ready is not nil it receives the address served on.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) int {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	if err := serve(ctx, o, log, ready); err != nil {
		log.Error("balancer failed", slog.String("error", err.Error()))
		return 1
	}
	return 0
}

func serve(ctx context.Context, o *options, log *slog.Logger, ready chan<- string) error {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()
	schedOpts := []scheduler.Option{
		scheduler.WithPollInterval(o.pollInterval),
		scheduler.WithPollTimeout(o.pollTimeout),
		scheduler.WithMeetingLister(scheduler.NewBBBLister(bbb.WithHTTPClient(hc))),
		scheduler.WithObserver(logEvents(log)),
	}
	if o.redisAddr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: o.redisAddr})
		defer rdb.Close()
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := rdb.Ping(pctx).Err()
		cancel()
		if err != nil {
			return fmt.Errorf("redis at %s: %w", o.redisAddr, err)
		}
		store, err := redisstore.New(rdb, redisstore.WithPrefix(o.redisPrefix))
		if err != nil {
			return err
		}
		schedOpts = append(schedOpts, scheduler.WithStore(store))
		log.Info("state in redis", slog.String("addr", o.redisAddr), slog.String("prefix", o.redisPrefix))
	}
	sched, err := scheduler.New(schedOpts...)
	if err != nil {
		return err
	}
	hOpts := []scalelitetest.Option{
		scalelitetest.WithSecret(o.secret),
		scalelitetest.WithScheduler(sched),
		scalelitetest.WithHTTPClient(hc),
		scalelitetest.WithForwardTimeout(o.forwardTO),
		scalelitetest.WithAcceptedChecksums(o.algorithms...),
		scalelitetest.WithLogger(log),
	}
	if o.multitenancy {
		hOpts = append(hOpts, scalelitetest.WithMultitenancy())
	}
	if o.strongAuth {
		hOpts = append(hOpts, scalelitetest.WithRequireStrongAuth())
	}
	h, err := scalelitetest.NewHandler(hOpts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if o.poller {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = sched.Run(runCtx)
		}()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("balancer listening", slog.String("addr", ln.Addr().String()), slog.Bool("poller", o.poller),
		slog.Duration("poll_interval", o.pollInterval), slog.Bool("multitenancy", o.multitenancy))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), o.shutdownGrace)
	defer scancel()
	shutdownErr := srv.Shutdown(sctx)
	cancel()
	wg.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	return nil
}

// logEvents logs the scheduler's state changes (events carry no secrets).
func logEvents(log *slog.Logger) scheduler.Observer {
	return func(e scheduler.Event) {
		switch e.Kind {
		case scheduler.EventOnline, scheduler.EventOffline, scheduler.EventStateChanged,
			scheduler.EventServerAdded, scheduler.EventServerDeleted:
			log.Info("server "+e.Kind.String(), slog.String("server", e.ServerID), slog.String("state", string(e.State)))
		case scheduler.EventMeetingsCleared:
			log.Info("meetings cleared", slog.String("server", e.ServerID), slog.Int("meetings", len(e.MeetingIDs)))
		case scheduler.EventPollFailed:
			log.Warn("poll failed", slog.String("server", e.ServerID), slog.Any("error", e.Err))
		case scheduler.EventPlaced:
			log.Debug("meeting placed", slog.String("meeting", e.MeetingID), slog.String("server", e.ServerID), slog.Float64("load", e.Load))
		}
	}
}
