package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/metrics"
	"github.com/bbbkit/bbbkit/scalelite"
)

type config struct {
	listen             string
	servers            serverFlags
	serversFile        string
	scalelite          string
	scaleliteSecret    string
	checksum           string
	recordingsInterval time.Duration
	noRecordings       bool
	scrapeTimeout      time.Duration
	maxConcurrency     int
	requestTimeout     time.Duration
	roomBuckets        [4]bucketsFlag
	processMetrics     bool
	serverLabel        string
	caFile             string
	insecure           bool
	demoInterval       time.Duration
	verbose            bool
	server             cli.ServerConfig
}

func main() { os.Exit(cli.Main(run)) }

// run is main with its environment injected: it serves until ctx ends and
// returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := &config{}
	cmd := &cli.Command{Name: "exporter", Short: "a Prometheus exporter for BigBlueButton servers", Flags: cfg.register, Run: cfg.run}
	return cli.Run(ctx, cmd, args, stdin, stdout, stderr)
}

func (cfg *config) register(fs *flag.FlagSet) {
	fs.StringVar(&cfg.listen, "listen", ":9688", "address to serve /metrics and /health on")
	fs.Var(&cfg.servers, "server", "a server to watch, `[name=]URL,SECRET[,ALGORITHM]` (repeatable; SECRET env:NAME reads $NAME)")
	fs.StringVar(&cfg.serversFile, "servers-file", "", "file with one server specification per line")
	fs.StringVar(&cfg.scalelite, "scalelite", "", "watch the servers of this Scalelite pool, read from its admin API at every scrape (secret: $SCALELITE_SECRET)")
	fs.StringVar(&cfg.scaleliteSecret, "scalelite-secret", "", "the Scalelite admin secret; visible in ps, prefer $SCALELITE_SECRET")
	fs.StringVar(&cfg.checksum, "checksum", "sha256", "default checksum algorithm (sha1 for servers older than 2.5)")
	fs.DurationVar(&cfg.recordingsInterval, "recordings-interval", 5*time.Minute, "how long recording counts are reused before a background refresh")
	fs.BoolVar(&cfg.noRecordings, "no-recordings", false, "do not expose bbb_recordings_* (like RECORDINGS_METRICS=false)")
	fs.DurationVar(&cfg.scrapeTimeout, "scrape-timeout", 10*time.Second, "deadline of one scrape of all servers")
	fs.IntVar(&cfg.maxConcurrency, "max-concurrency", 16, "how many servers are asked at the same time during a scrape (with -scalelite too)")
	fs.DurationVar(&cfg.requestTimeout, "request-timeout", time.Minute, "timeout of one API request (recording listings of old servers can be slow)")
	for i, name := range []string{"participants", "listeners", "voice-participants", "video-participants"} {
		fs.Var(&cfg.roomBuckets[i], "room-"+name+"-buckets", "bounds of bbb_room_"+name+" as a comma list (default: bigbluebutton-exporter's)")
	}
	fs.BoolVar(&cfg.processMetrics, "process-metrics", true, "also expose go_* and process_* metrics")
	fs.StringVar(&cfg.serverLabel, "server-label", "", "name of the label telling servers apart, added even for one server (default: \"server\", only with several servers)")
	fs.StringVar(&cfg.caFile, "ca-file", "", "PEM file of CA certificates to trust for https servers (like TLS_VERIFY=<path>)")
	fs.BoolVar(&cfg.insecure, "insecure-skip-verify", false, "do not verify TLS certificates of the servers (like TLS_VERIFY=false; for tests only)")
	fs.DurationVar(&cfg.demoInterval, "demo-interval", 15*time.Second, "with the embedded fake: how often a user joins or leaves (0 disables)")
	fs.BoolVar(&cfg.verbose, "v", false, "log every API request")
	cfg.server.Register(fs)
}

// check validates the flags.
func (cfg *config) check() error {
	if cfg.recordingsInterval <= 0 || cfg.scrapeTimeout <= 0 || cfg.requestTimeout <= 0 {
		return cli.Usagef("-recordings-interval, -scrape-timeout and -request-timeout must be positive")
	}
	if cfg.maxConcurrency < 1 {
		return cli.Usagef("-max-concurrency must be at least 1")
	}
	if cfg.demoInterval < 0 {
		return cli.Usagef("-demo-interval must not be negative")
	}
	if _, err := checksum.ParseAlgorithm(cfg.checksum); err != nil {
		return cli.Usagef("-checksum: unknown algorithm %q", cfg.checksum)
	}
	if cfg.scalelite != "" && (len(cfg.servers) > 0 || cfg.serversFile != "") {
		return cli.Usagef("-scalelite cannot be combined with -server or -servers-file")
	}
	if cfg.server.WriteTimeout <= cfg.scrapeTimeout {
		return cli.Usagef("-write-timeout must be longer than -scrape-timeout")
	}
	return cfg.server.Validate()
}

func (cfg *config) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := cfg.check(); err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	specs, err := loadSpecs(cfg, env.Getenv)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	hc, err := httpClient(cfg)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if cfg.insecure {
		log.Warn("TLS certificates of the servers are not verified (-insecure-skip-verify)")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var demo *bbbtest.Server
	if len(specs) == 0 && cfg.scalelite == "" {
		if demo, err = startDemo(ctx); err != nil {
			return fmt.Errorf("cannot start the embedded fake BigBlueButton server: %w", err)
		}
		defer demo.Close()
		specs = []serverSpec{{name: "demo", url: demo.APIURL(), secret: demo.Secret}}
		log.Info("no -server given: watching an embedded fake BigBlueButton server with demo meetings", "url", demo.APIURL())
	}
	reg, col, err := newRegistry(ctx, cfg, env, specs, hc, log)
	if err != nil {
		return err
	}
	defer col.Close()

	// Background work ends before the collector and the demo are closed
	// (deferred calls run last-in first-out).
	var bg sync.WaitGroup
	defer func() {
		cancel()
		bg.Wait()
	}()
	if demo != nil && cfg.demoInterval > 0 {
		bg.Go(func() { churnDemo(ctx, demo, cfg.demoInterval) })
	}
	if !cfg.noRecordings {
		// Counts for the first scrape; later refreshes happen in the
		// background of scrapes.
		bg.Go(func() {
			if err := col.RefreshRecordings(ctx); err != nil && ctx.Err() == nil {
				log.Warn("first refresh of recording counts failed", "error", err)
			}
		})
	}
	return serveMetrics(ctx, cfg, reg, col, log)
}

// newRegistry makes the Prometheus registry with the collector of every
// server (of specs, or of the Scalelite pool with -scalelite) and the
// client metrics of their requests.
func newRegistry(ctx context.Context, cfg *config, env *cli.Env, specs []serverSpec, hc *http.Client, log *slog.Logger) (*prometheus.Registry, serverCollector, error) {
	reg := prometheus.NewRegistry()
	if cfg.processMetrics {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if cfg.scalelite != "" {
		pool, err := newPool(ctx, cfg, env, hc, log)
		if err != nil {
			return nil, nil, err
		}
		reg.MustRegister(pool)
		return reg, pool, nil
	}
	cm, err := metrics.NewClientMetrics()
	if err != nil {
		return nil, nil, fmt.Errorf("client metrics: %w", err)
	}
	reg.MustRegister(cm)
	col, err := newCollector(cfg, specs, hc, cm, log)
	if err != nil {
		return nil, nil, cli.Usagef("%v", err)
	}
	reg.MustRegister(col)
	return reg, col, nil
}

// serveMetrics serves /metrics and /health until ctx ends.
func serveMetrics(ctx context.Context, cfg *config, reg *prometheus.Registry, col serverCollector, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	var names []string
	for _, s := range col.Status() {
		names = append(names, s.Name)
	}
	log.Info("serving BigBlueButton metrics", "addr", ln.Addr().String(), "servers", names,
		"recordings_interval", cfg.recordingsInterval, "recordings", !cfg.noRecordings)
	if err := cli.Serve(ctx, ln, newMux(reg, col, log), cfg.server, log); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// loadSpecs collects the servers of -server flags and -servers-file. No
// servers means the embedded demo.
func loadSpecs(cfg *config, getenv func(string) string) ([]serverSpec, error) {
	var specs []serverSpec
	for i, s := range cfg.servers {
		sp, err := parseServerSpec(s, fmt.Sprintf("-server %d", i+1), getenv)
		if err != nil {
			return nil, err
		}
		specs = append(specs, sp)
	}
	if cfg.serversFile != "" {
		f, err := os.Open(cfg.serversFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		more, err := parseServersFile(f, cfg.serversFile, getenv)
		if err != nil {
			return nil, err
		}
		specs = append(specs, more...)
	}
	return specs, nil
}

// httpClient is the client for every server: the default transport, with
// the TLS settings of -ca-file and -insecure-skip-verify.
func httpClient(cfg *config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.caFile != "" || cfg.insecure {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.insecure} //nolint:gosec // opt-in flag for tests
		if cfg.caFile != "" {
			pem, err := os.ReadFile(cfg.caFile)
			if err != nil {
				return nil, fmt.Errorf("-ca-file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("-ca-file: no PEM certificate in %s", cfg.caFile)
			}
			tc.RootCAs = pool
		}
		tr.TLSClientConfig = tc
	}
	return &http.Client{Transport: tr}, nil
}

func newCollector(cfg *config, specs []serverSpec, hc *http.Client, cm *metrics.ClientMetrics, log *slog.Logger) (*metrics.Collector, error) {
	targets := make([]metrics.Target, len(specs))
	for i, sp := range specs {
		label := sp.name
		if label == "" {
			u, err := url.Parse(sp.url) // checked in parseServerSpec
			if err != nil {
				return nil, fmt.Errorf("server %d: bad URL", i+1)
			}
			label = u.Host
		}
		c, err := newBBBClient(cfg, hc, cm, log, label, sp.url, sp.secret, sp.alg)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", label, err)
		}
		targets[i] = metrics.Target{Name: label, Client: c}
	}
	return metrics.NewCollector(targets, collectorOptions(cfg, log, cfg.scrapeTimeout, cfg.serverLabel)...)
}

// newBBBClient makes the client of one server; alg zero means the
// -checksum default.
func newBBBClient(cfg *config, hc *http.Client, cm *metrics.ClientMetrics, log *slog.Logger, label, apiURL, secret string, alg checksum.Algorithm) (*bbb.Client, error) {
	if alg == 0 {
		alg, _ = checksum.ParseAlgorithm(cfg.checksum) // checked in check
	}
	return bbb.New(apiURL, secret,
		bbb.WithHTTPClient(hc), bbb.WithChecksum(alg), bbb.WithTimeout(cfg.requestTimeout),
		bbb.WithObserver(cm.Observer(label)), bbb.WithLogger(log))
}

// collectorOptions are the metrics options of the flags; serverLabel empty
// adds the server label only when there are several servers.
func collectorOptions(cfg *config, log *slog.Logger, scrapeTimeout time.Duration, serverLabel string) []metrics.Option {
	opts := []metrics.Option{
		metrics.WithScrapeTimeout(scrapeTimeout),
		metrics.WithMaxConcurrency(cfg.maxConcurrency),
		metrics.WithRecordingsInterval(cfg.recordingsInterval),
		metrics.WithLogger(log),
	}
	if cfg.noRecordings {
		opts = append(opts, metrics.WithoutRecordings())
	}
	if serverLabel != "" {
		opts = append(opts, metrics.WithServerLabel(serverLabel))
	}
	for i, b := range cfg.roomBuckets {
		if len(b) > 0 {
			opts = append(opts, metrics.WithRoomBuckets(metrics.Room(i), b...))
		}
	}
	return opts
}

// newPool makes the collector that follows the Scalelite pool of
// -scalelite and reads the server list once, so that a refused secret
// stops the exporter at start. Any other failure leaves the pool empty
// until a scrape reads the list.
func newPool(ctx context.Context, cfg *config, env *cli.Env, hc *http.Client, log *slog.Logger) (*poolCollector, error) {
	secret := env.Secret(cfg.scaleliteSecret, "SCALELITE_SECRET")
	if secret == "" {
		return nil, cli.Usagef("-scalelite needs the admin secret: $SCALELITE_SECRET or -scalelite-secret")
	}
	admin, err := scalelite.New(cfg.scalelite, secret,
		bbb.WithHTTPClient(hc), bbb.WithTimeout(cfg.requestTimeout), bbb.WithLogger(log))
	if err != nil {
		return nil, cli.Usagef("-scalelite: %v", err)
	}
	// Reading the list takes at most a quarter of the scrape, the servers
	// the rest.
	listTimeout := min(cfg.scrapeTimeout/4, cfg.requestTimeout)
	label := cfg.serverLabel
	if label == "" {
		label = "server" // the pool may grow from one server to several
	}
	opts := collectorOptions(cfg, log, cfg.scrapeTimeout-listTimeout, label)
	factory := func(label, apiURL, secret string) (*metrics.Collector, *metrics.ClientMetrics, error) {
		cm, err := metrics.NewClientMetrics()
		if err != nil {
			return nil, nil, err
		}
		c, err := newBBBClient(cfg, hc, cm, log, label, apiURL, secret, 0)
		if err != nil {
			return nil, nil, err
		}
		col, err := metrics.NewCollector([]metrics.Target{{Name: label, Client: c}}, opts...)
		return col, cm, err
	}
	pool := newPoolCollector(admin, factory, listTimeout, cfg.maxConcurrency, log) // check made it >= 1
	if err := pool.refresh(ctx); errors.Is(err, scalelite.ErrChecksum) {
		return nil, cli.Exit(cli.ExitAuth, fmt.Errorf("-scalelite: the admin secret was refused: %w", err))
	}
	return pool, nil
}

// healthStatus is the JSON body of /health.
type healthStatus struct {
	Status    string           `json:"status"`
	Servers   []serverHealth   `json:"servers"`
	Scalelite *scaleliteHealth `json:"scalelite,omitempty"`
}

// scaleliteHealth is the last read of the server list with -scalelite.
type scaleliteHealth struct {
	Up       bool       `json:"up"`
	LastRead *time.Time `json:"last_read,omitempty"`
	Error    string     `json:"error,omitempty"`
	Servers  int        `json:"servers"`
}

type serverHealth struct {
	Name       string     `json:"name"`
	Up         bool       `json:"up"`
	LastScrape *time.Time `json:"last_scrape,omitempty"`
	Error      string     `json:"error,omitempty"`
}

func newMux(reg *prometheus.Registry, col serverCollector, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	}))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		h := healthStatus{Status: "ok", Servers: []serverHealth{}} // a pool may be empty
		for _, s := range col.Status() {
			sh := serverHealth{Name: s.Name, Up: s.Up, Error: s.Err}
			if !s.LastScrape.IsZero() {
				ts := s.LastScrape.UTC()
				sh.LastScrape = &ts
			}
			h.Servers = append(h.Servers, sh)
		}
		if pool, ok := col.(*poolCollector); ok {
			st := pool.PoolStatus()
			h.Scalelite = &scaleliteHealth{Up: st.Up, Error: st.Err, Servers: st.Servers}
			if !st.LastRead.IsZero() {
				ts := st.LastRead.UTC()
				h.Scalelite.LastRead = &ts
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<html><head><title>BigBlueButton exporter</title></head><body>`+
			`<h1>BigBlueButton exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/health">Health</a></p></body></html>`+"\n")
	})
	return mux
}
