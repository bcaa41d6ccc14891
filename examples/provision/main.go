package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

//go:embed sample.csv
var sampleCSV []byte

// Exit codes.
const (
	exitOK       = cli.ExitOK
	exitFailed   = cli.ExitFailure // a change failed, conflicts, or changes remain after applying
	exitUsage    = cli.ExitUsage   // bad flags or CSV
	exitNoAccess = cli.ExitAuth    // cannot reach Greenlight or sign in
)

func main() { os.Exit(cli.Main(run)) }

// run is main without the process: flags in args, output to stdout,
// logs to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := &options{}
	cmd := &cli.Command{Name: "provision", Short: "create Greenlight users and rooms from a CSV file, idempotently", Flags: o.register, Run: o.run}
	return cli.Run(ctx, cmd, args, stdin, stdout, stderr)
}

// options are the flags.
type options struct {
	csvPath        string
	glURL          string
	email          string
	passwordEnv    string
	dryRun         bool
	updateSettings bool
	timeout        time.Duration
	rps            float64
	verbose        bool
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.csvPath, "csv", "", "CSV file of users and rooms (default: the built-in sample)")
	fs.StringVar(&o.glURL, "url", "", "Greenlight base URL, e.g. https://gl.example.com (default: an embedded fake Greenlight)")
	fs.StringVar(&o.email, "email", "", "administrator email (with -url)")
	fs.StringVar(&o.passwordEnv, "password-env", "GREENLIGHT_PASSWORD", "environment variable holding the administrator password (with -url)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan and change nothing")
	fs.BoolVar(&o.updateSettings, "update-settings", false, "also change settings of rooms that already exist")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	fs.Float64Var(&o.rps, "rate", 10, "maximum requests per second")
	fs.BoolVar(&o.verbose, "v", false, "log every request")
}

func (o *options) run(ctx context.Context, env *cli.Env, _ []string) error {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	lookupEnv := func(k string) (string, bool) {
		v := env.Getenv(k)
		return v, v != ""
	}
	s, name, err := o.readSpec(lookupEnv)
	if err != nil {
		return err
	}
	if o.rps <= 0 {
		return cli.Usagef("-rate must be positive")
	}
	gl, closeGL, err := o.signIn(ctx, lookupEnv, log)
	if err != nil {
		return err
	}
	defer closeGL()
	fmt.Fprintf(env.Stdout, "%s: %d users, %d rooms\n", name, len(s.users), len(s.rooms))
	return o.provision(ctx, gl, s, env.Stdout, log)
}

// readSpec reads and checks the CSV; name names it in messages.
func (o *options) readSpec(lookupEnv func(string) (string, bool)) (s *spec, name string, err error) {
	data, name := sampleCSV, "built-in sample"
	if o.csvPath != "" {
		b, err := os.ReadFile(o.csvPath)
		if err != nil {
			return nil, "", cli.Usagef("read CSV: %v", err)
		}
		data, name = b, o.csvPath
	}
	if s, err = parseSpec(bytes.NewReader(data), lookupEnv); err != nil {
		return nil, "", cli.Usagef("%s:\n%v", name, err)
	}
	return s, name, nil
}

// signIn signs in to Greenlight at -url, or to an embedded fake without it;
// closeGL signs out and stops the fake.
func (o *options) signIn(ctx context.Context, lookupEnv func(string) (string, bool), log *slog.Logger) (gl *greenlight.Client, closeGL func(), err error) {
	baseURL, adminEmail, adminPassword := o.glURL, o.email, ""
	stopFake := func() {}
	if baseURL == "" {
		fake, err := greenlighttest.New()
		if err != nil {
			return nil, nil, cli.Exit(exitNoAccess, fmt.Errorf("start fake Greenlight: %w", err))
		}
		fake.Start()
		stopFake = fake.Close
		baseURL, adminEmail, adminPassword = fake.URL, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword
		log.Info("using an embedded fake Greenlight; pass -url for a real one", "url", baseURL)
	} else {
		if adminEmail == "" {
			return nil, nil, cli.Usagef("-email is required with -url")
		}
		pw, ok := lookupEnv(o.passwordEnv)
		if !ok || pw == "" {
			return nil, nil, cli.Usagef("set the administrator password in $%s", o.passwordEnv)
		}
		adminPassword = pw
	}
	gl, err = greenlight.New(baseURL, greenlight.WithTimeout(o.timeout), greenlight.WithLogger(log),
		greenlight.WithRateLimit(rate.NewLimiter(rate.Limit(o.rps), 1)))
	if err != nil {
		stopFake()
		return nil, nil, cli.Usagef("client: %v", err)
	}
	me, err := gl.SignIn(ctx, adminEmail, adminPassword)
	if err != nil {
		stopFake()
		return nil, nil, cli.Exit(exitNoAccess, fmt.Errorf("sign in: %w", err))
	}
	if !me.Can("ManageUsers") || !me.Can("ManageRooms") {
		stopFake()
		return nil, nil, cli.Exit(exitNoAccess, fmt.Errorf("the account %s needs the ManageUsers and ManageRooms permissions", me.Email))
	}
	return gl, func() {
		if err := gl.SignOut(context.WithoutCancel(ctx)); err != nil {
			log.Warn("sign out", "err", err)
		}
		stopFake()
	}, nil
}

// provision plans, applies (unless -dry-run) and verifies that planning
// again finds nothing left to do.
func (o *options) provision(ctx context.Context, gl *greenlight.Client, s *spec, stdout io.Writer, log *slog.Logger) error {
	w, err := load(ctx, gl, o.updateSettings)
	if err != nil {
		return fmt.Errorf("read Greenlight: %w", err)
	}
	p, err := makePlan(ctx, w, s)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	p.print(stdout)
	conflicts := cli.Exit(exitFailed, nil) // the plan printed them
	if len(p.conflicts) == 0 {
		conflicts = nil
	}
	if o.dryRun {
		return conflicts
	}
	changed, err := p.apply(ctx, stdout)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	w2, err := load(ctx, gl, o.updateSettings)
	if err != nil {
		return fmt.Errorf("re-read Greenlight: %w", err)
	}
	again, err := makePlan(ctx, w2, s)
	if err != nil {
		return fmt.Errorf("re-plan: %w", err)
	}
	fmt.Fprintf(stdout, "applied %d changes; %d remain\n", changed, len(again.actions))
	if len(again.actions) > 0 {
		again.print(stdout)
		log.Error("changes remain after applying", "count", len(again.actions))
		return cli.Exit(exitFailed, nil)
	}
	return conflicts
}
