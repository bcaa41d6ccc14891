package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
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
)

type config struct {
	listen             string
	servers            serverFlags
	serversFile        string
	checksum           string
	recordingsInterval time.Duration
	noRecordings       bool
	scrapeTimeout      time.Duration
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
	fs.StringVar(&cfg.checksum, "checksum", "sha256", "default checksum algorithm (sha1 for servers older than 2.5)")
	fs.DurationVar(&cfg.recordingsInterval, "recordings-interval", 5*time.Minute, "how long recording counts are reused before a background refresh")
	fs.BoolVar(&cfg.noRecordings, "no-recordings", false, "do not expose bbb_recordings_* (like RECORDINGS_METRICS=false)")
	fs.DurationVar(&cfg.scrapeTimeout, "scrape-timeout", 10*time.Second, "deadline of one scrape of all servers")
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
	if cfg.demoInterval < 0 {
		return cli.Usagef("-demo-interval must not be negative")
	}
	if _, err := checksum.ParseAlgorithm(cfg.checksum); err != nil {
		return cli.Usagef("-checksum: unknown algorithm %q", cfg.checksum)
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
	if len(specs) == 0 {
		if demo, err = startDemo(ctx); err != nil {
			return fmt.Errorf("cannot start the embedded fake BigBlueButton server: %w", err)
		}
		defer demo.Close()
		specs = []serverSpec{{name: "demo", url: demo.APIURL(), secret: demo.Secret}}
		log.Info("no -server given: watching an embedded fake BigBlueButton server with demo meetings", "url", demo.APIURL())
	}
	reg, col, err := newRegistry(cfg, specs, hc, log)
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
// server and the client metrics of their requests.
func newRegistry(cfg *config, specs []serverSpec, hc *http.Client, log *slog.Logger) (*prometheus.Registry, *metrics.Collector, error) {
	reg := prometheus.NewRegistry()
	cm, err := metrics.NewClientMetrics()
	if err != nil {
		return nil, nil, fmt.Errorf("client metrics: %w", err)
	}
	reg.MustRegister(cm)
	if cfg.processMetrics {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	col, err := newCollector(cfg, specs, hc, cm, log)
	if err != nil {
		return nil, nil, cli.Usagef("%v", err)
	}
	reg.MustRegister(col)
	return reg, col, nil
}

// serveMetrics serves /metrics and /health until ctx ends.
func serveMetrics(ctx context.Context, cfg *config, reg *prometheus.Registry, col *metrics.Collector, log *slog.Logger) error {
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
	def, _ := checksum.ParseAlgorithm(cfg.checksum) // checked in parseFlags
	targets := make([]metrics.Target, len(specs))
	for i, sp := range specs {
		alg := sp.alg
		if alg == 0 {
			alg = def
		}
		label := sp.name
		if label == "" {
			u, err := url.Parse(sp.url) // checked in parseServerSpec
			if err != nil {
				return nil, fmt.Errorf("server %d: bad URL", i+1)
			}
			label = u.Host
		}
		opts := []bbb.Option{
			bbb.WithHTTPClient(hc), bbb.WithChecksum(alg), bbb.WithTimeout(cfg.requestTimeout),
			bbb.WithObserver(cm.Observer(label)), bbb.WithLogger(log),
		}
		c, err := bbb.New(sp.url, sp.secret, opts...)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", label, err)
		}
		targets[i] = metrics.Target{Name: label, Client: c}
	}
	opts := []metrics.Option{
		metrics.WithScrapeTimeout(cfg.scrapeTimeout),
		metrics.WithRecordingsInterval(cfg.recordingsInterval),
		metrics.WithLogger(log),
	}
	if cfg.noRecordings {
		opts = append(opts, metrics.WithoutRecordings())
	}
	if cfg.serverLabel != "" {
		opts = append(opts, metrics.WithServerLabel(cfg.serverLabel))
	}
	for i, b := range cfg.roomBuckets {
		if len(b) > 0 {
			opts = append(opts, metrics.WithRoomBuckets(metrics.Room(i), b...))
		}
	}
	return metrics.NewCollector(targets, opts...)
}

// healthStatus is the JSON body of /health.
type healthStatus struct {
	Status  string         `json:"status"`
	Servers []serverHealth `json:"servers"`
}

type serverHealth struct {
	Name       string     `json:"name"`
	Up         bool       `json:"up"`
	LastScrape *time.Time `json:"last_scrape,omitempty"`
	Error      string     `json:"error,omitempty"`
}

func newMux(reg *prometheus.Registry, col *metrics.Collector, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	}))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		h := healthStatus{Status: "ok"}
		for _, s := range col.Status() {
			sh := serverHealth{Name: s.Name, Up: s.Up, Error: s.Err}
			if !s.LastScrape.IsZero() {
				ts := s.LastScrape.UTC()
				sh.LastScrape = &ts
			}
			h.Servers = append(h.Servers, sh)
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
