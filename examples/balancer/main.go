package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() { os.Exit(cli.Main(run)) }

// run is main without the process: it serves until ctx ends and returns the
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := &options{}
	cmd := &cli.Command{Name: "balancer", Short: "a Scalelite-compatible load balancer", Flags: o.register, Run: o.run}
	return cli.Run(ctx, cmd, args, stdin, stdout, stderr)
}

// options are the parsed flags.
type options struct {
	listen       string
	secret       string
	redisAddr    string
	redisPrefix  string
	pollInterval time.Duration
	pollTimeout  time.Duration
	poller       bool
	multitenancy bool
	algs         string
	algorithms   []checksum.Algorithm
	forwardTO    time.Duration
	level        string
	logLevel     slog.Level
	server       cli.ServerConfig
	strongAuth   bool

	siteOrder     string
	leaseHolder   string
	leaseTTL      time.Duration
	serversFile   string
	serversMode   string
	serversDryRun bool
	scaleHook     string
	scalePolicy   string
	metricsListen string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve on (host:port)")
	fs.StringVar(&o.secret, "secret", "", "balancer secret (default $BALANCER_SECRET; prefer the environment, flags show in ps)")
	fs.StringVar(&o.redisAddr, "redis", "", "Redis address host:port for shared state (default: in memory)")
	fs.StringVar(&o.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "prefix of the Redis keys")
	fs.DurationVar(&o.pollInterval, "poll-interval", scheduler.DefaultPollInterval, "how often the servers are polled")
	fs.DurationVar(&o.pollTimeout, "poll-timeout", scheduler.DefaultPollTimeout, "timeout of one server's poll")
	fs.BoolVar(&o.poller, "poller", true, "run the poller (with -redis, replicas take turns under a lease)")
	fs.BoolVar(&o.multitenancy, "multitenancy", false, "enable tenants, selected by the first label of the Host header")
	fs.StringVar(&o.algs, "checksum-algorithms", "sha1,sha256,sha512", "checksum algorithms accepted from clients")
	fs.DurationVar(&o.forwardTO, "forward-timeout", scalelitetest.DefaultForwardTimeout, "timeout of calls to the BigBlueButton servers")
	fs.StringVar(&o.level, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&o.strongAuth, "require-strong-auth", false, "admin API: refuse Scalelite's legacy checksum; require bodySHA256 and expires in the signed query")
	fs.StringVar(&o.siteOrder, "site-order", "", "site preference order for new meetings, e.g. a,b (a create's meta_bbbkit-site-order wins)")
	fs.DurationVar(&o.leaseTTL, "lease-ttl", 0, "with -redis: how long the poller lease lasts without renewal (default: the poll interval); another replica takes over within about 4/3 of it")
	fs.StringVar(&o.leaseHolder, "lease-holder", "", "with -redis: this process's name in the poller lease (default host name and PID); every replica may run the poller, one polls at a time")
	fs.StringVar(&o.serversFile, "servers", "", "pool file (YAML, the shape of Scalelite's servers:sync) reconciled into the store at start and on SIGHUP")
	fs.StringVar(&o.serversMode, "servers-mode", "cordon", "what -servers does with servers it does not list: keep, cordon or force (delete)")
	fs.BoolVar(&o.serversDryRun, "servers-dry-run", false, "print the changes -servers would make and exit")
	fs.StringVar(&o.scaleHook, "scale-hook", "", "command run (sh -c) with the autoscaling plan as JSON on standard input when it has actions; needs -scale-policy")
	fs.StringVar(&o.scalePolicy, "scale-policy", "", "autoscaling policy file (YAML): the admin call getScalePlan shows its plan, -scale-hook carries it out")
	fs.StringVar(&o.metricsListen, "metrics-listen", "", "address to serve Prometheus metrics on at /metrics (host:port; default off): polls, servers, capacity per site, the autoscaling plan")
	o.server.Register(fs)
}

// check validates the flags and reads the secret from the environment when
// no flag gave it.
func (o *options) check(env *cli.Env) error {
	if o.secret = env.Secret(o.secret, "BALANCER_SECRET"); o.secret == "" {
		return cli.Usagef("a secret is required: -secret or $BALANCER_SECRET")
	}
	if o.pollInterval <= 0 || o.pollTimeout <= 0 || o.forwardTO <= 0 || o.leaseTTL < 0 {
		return cli.Usagef("durations must be positive")
	}
	var err error
	if o.algorithms, err = checksum.ParseAlgorithms(o.algs); err != nil {
		return cli.Usagef("-checksum-algorithms: %v", err)
	}
	if err := o.logLevel.UnmarshalText([]byte(o.level)); err != nil {
		return cli.Usagef("-log-level must be debug, info, warn or error")
	}
	if _, err := scheduler.ParseSiteOrder(o.siteOrder); err != nil {
		return cli.Usagef("-site-order: %v", err)
	}
	if o.scaleHook != "" && o.scalePolicy == "" {
		return cli.Usagef("-scale-hook needs -scale-policy")
	}
	if o.serversDryRun && o.serversFile == "" {
		return cli.Usagef("-servers-dry-run needs -servers")
	}
	return o.server.Validate()
}

func (o *options) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := o.check(env); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: o.logLevel}))
	return serve(ctx, o, env.Stdout, log)
}

// newScheduler makes the scheduler, with its state in Redis when -redis is
// given; closeStore releases the Redis client.
func newScheduler(ctx context.Context, o *options, hc *http.Client, log *slog.Logger, extra ...scheduler.Option) (sched *scheduler.Scheduler, closeStore func(), err error) {
	schedOpts := []scheduler.Option{
		scheduler.WithPollInterval(o.pollInterval),
		scheduler.WithPollTimeout(o.pollTimeout),
		scheduler.WithMeetingLister(scheduler.NewBBBLister(bbb.WithHTTPClient(hc))),
		scheduler.WithObserver(logEvents(log)),
	}
	if order, _ := scheduler.ParseSiteOrder(o.siteOrder); len(order) > 0 {
		schedOpts = append(schedOpts, scheduler.WithSiteOrder(order...))
	}
	closeStore = func() {}
	if o.redisAddr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: o.redisAddr})
		closeStore = func() { _ = rdb.Close() }
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := rdb.Ping(pctx).Err()
		cancel()
		if err != nil {
			closeStore()
			return nil, nil, fmt.Errorf("redis at %s: %w", o.redisAddr, err)
		}
		store, err := redisstore.New(rdb, redisstore.WithPrefix(o.redisPrefix))
		if err != nil {
			closeStore()
			return nil, nil, err
		}
		schedOpts = append(schedOpts, scheduler.WithStore(store), scheduler.WithLease(leaseHolder(o.leaseHolder), o.leaseTTL))
		log.Info("state in redis", slog.String("addr", o.redisAddr), slog.String("prefix", o.redisPrefix))
	}
	sched, err = scheduler.New(append(schedOpts, extra...)...)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	return sched, closeStore, nil
}

func serve(ctx context.Context, o *options, stdout io.Writer, log *slog.Logger) error {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()
	ms, err := newMetricsServer(o)
	if err != nil {
		return err
	}
	var extra []scheduler.Option
	if ms != nil {
		defer ms.close()
		extra = append(extra, scheduler.WithObserver(ms.sched.Observe))
	}
	sched, closeStore, err := newScheduler(ctx, o, hc, log, extra...)
	if err != nil {
		return err
	}
	defer closeStore()
	if o.serversFile != "" {
		if err := syncPool(ctx, sched, o, stdout, log); err != nil || o.serversDryRun {
			return err
		}
	}
	var scaler *autoscale.Autoscaler
	if o.scalePolicy != "" {
		if scaler, err = readScalePolicy(o.scalePolicy, sched.Store()); err != nil {
			return err
		}
	}
	h, err := newHandler(o, sched, scaler, hc, log)
	if err != nil {
		return err
	}
	defer h.Close()
	if ms != nil {
		if err := ms.watch(sched, scaler); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	pollCtx, stopPolling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopPolling()
		wg.Wait()
	}()
	if o.poller {
		wg.Go(func() { _ = sched.Run(pollCtx) })
	}
	if o.scaleHook != "" {
		wg.Go(func() { runScaleHook(pollCtx, sched, scaler, o.scaleHook, o.pollInterval, log) })
	}
	if o.serversFile != "" {
		wg.Go(func() { resyncOnHangup(pollCtx, sched, o, stdout, log) })
	}
	if ms != nil {
		wg.Go(func() { ms.serve(pollCtx, o.server, log) })
	}
	log.Info("balancer listening", slog.String("addr", ln.Addr().String()), slog.Bool("poller", o.poller),
		slog.Duration("poll_interval", o.pollInterval), slog.Bool("multitenancy", o.multitenancy))
	err = cli.Serve(ctx, ln, h, o.server, log)
	log.Info("stopped")
	return err
}

// newHandler is the balancer's HTTP handler: the BigBlueButton front and
// the admin API over sched.
func newHandler(o *options, sched *scheduler.Scheduler, scaler *autoscale.Autoscaler, hc *http.Client, log *slog.Logger) (*scalelitetest.Handler, error) {
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
	if scaler != nil {
		hOpts = append(hOpts, scalelitetest.WithAutoscaler(scaler))
	}
	return scalelitetest.NewHandler(hOpts...)
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
		case scheduler.EventLeaseAcquired, scheduler.EventLeaseLost:
			log.Info("poller "+e.Kind.String(), slog.Any("error", e.Err))
		case scheduler.EventPollFailed:
			log.Warn("poll failed", slog.String("server", e.ServerID), slog.Any("error", e.Err))
		case scheduler.EventPlaced:
			log.Debug("meeting placed", slog.String("meeting", e.MeetingID), slog.String("server", e.ServerID), slog.Float64("load", e.Load))
		}
	}
}
