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
	"os/signal"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

//go:embed sample.csv
var sampleCSV []byte

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // a change failed, conflicts, or changes remain after applying
	exitUsage    = 2 // bad flags or CSV
	exitNoAccess = 3 // cannot reach Greenlight or sign in
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// run is main without the process: flags in args, output to stdout,
// logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvPath := fs.String("csv", "", "CSV file of users and rooms (default: the built-in sample)")
	glURL := fs.String("url", "", "Greenlight base URL, e.g. https://gl.example.com (default: an embedded fake Greenlight)")
	email := fs.String("email", "", "administrator email (with -url)")
	passwordEnv := fs.String("password-env", "GREENLIGHT_PASSWORD", "environment variable holding the administrator password (with -url)")
	dryRun := fs.Bool("dry-run", false, "print the plan and change nothing")
	updateSettings := fs.Bool("update-settings", false, "also change settings of rooms that already exist")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each HTTP request")
	rps := fs.Float64("rate", 10, "maximum requests per second")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "provision: unexpected arguments:", fs.Args())
		return exitUsage
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	data, name := sampleCSV, "built-in sample"
	if *csvPath != "" {
		b, err := os.ReadFile(*csvPath)
		if err != nil {
			log.Error("read CSV", "err", err)
			return exitUsage
		}
		data, name = b, *csvPath
	}
	s, err := parseSpec(bytes.NewReader(data), lookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "provision: %s:\n%v\n", name, err)
		return exitUsage
	}
	if *rps <= 0 {
		fmt.Fprintln(stderr, "provision: -rate must be positive")
		return exitUsage
	}

	baseURL, adminEmail, adminPassword := *glURL, *email, ""
	if baseURL == "" {
		fake, err := greenlighttest.NewServer()
		if err != nil {
			log.Error("start fake Greenlight", "err", err)
			return exitNoAccess
		}
		defer fake.Close()
		baseURL, adminEmail, adminPassword = fake.URL, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword
		log.Info("using an embedded fake Greenlight; pass -url for a real one", "url", baseURL)
	} else {
		if adminEmail == "" {
			fmt.Fprintln(stderr, "provision: -email is required with -url")
			return exitUsage
		}
		pw, ok := lookupEnv(*passwordEnv)
		if !ok || pw == "" {
			fmt.Fprintf(stderr, "provision: set the administrator password in $%s\n", *passwordEnv)
			return exitUsage
		}
		adminPassword = pw
	}

	gl, err := greenlight.New(baseURL, bbb.WithTimeout(*timeout), bbb.WithLogger(log),
		bbb.WithRateLimit(rate.NewLimiter(rate.Limit(*rps), 1)))
	if err != nil {
		log.Error("client", "err", err)
		return exitUsage
	}
	me, err := gl.SignIn(ctx, adminEmail, adminPassword)
	if err != nil {
		log.Error("sign in", "err", err)
		return exitNoAccess
	}
	if !me.Can("ManageUsers") || !me.Can("ManageRooms") {
		log.Error("the account needs the ManageUsers and ManageRooms permissions", "email", me.Email)
		return exitNoAccess
	}
	defer func() {
		if err := gl.SignOut(context.WithoutCancel(ctx)); err != nil {
			log.Warn("sign out", "err", err)
		}
	}()

	fmt.Fprintf(stdout, "%s: %d users, %d rooms\n", name, len(s.users), len(s.rooms))
	w, err := load(ctx, gl, *updateSettings)
	if err != nil {
		log.Error("read Greenlight", "err", err)
		return exitFailed
	}
	p, err := makePlan(ctx, w, s)
	if err != nil {
		log.Error("plan", "err", err)
		return exitFailed
	}
	p.print(stdout)
	if *dryRun {
		if len(p.conflicts) > 0 {
			return exitFailed
		}
		return exitOK
	}
	changed, err := p.apply(ctx, stdout)
	if err != nil {
		log.Error("apply", "err", err)
		return exitFailed
	}

	// Verify: planning again must find nothing left to do.
	w2, err := load(ctx, gl, *updateSettings)
	if err != nil {
		log.Error("re-read Greenlight", "err", err)
		return exitFailed
	}
	again, err := makePlan(ctx, w2, s)
	if err != nil {
		log.Error("re-plan", "err", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "applied %d changes; %d remain\n", changed, len(again.actions))
	if len(again.actions) > 0 {
		again.print(stdout)
		log.Error("changes remain after applying", "count", len(again.actions))
		return exitFailed
	}
	if len(p.conflicts) > 0 {
		return exitFailed
	}
	return exitOK
}
