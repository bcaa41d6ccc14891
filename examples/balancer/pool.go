package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// poolFile is the -servers file, in the shape of Scalelite's servers:sync
// YAML (servers by ID) with bbbkit's site and capacity:
//
//	servers:
//	  bbb1:
//	    url: https://bbb1.example.com/bigbluebutton/api/
//	    secret: ...
//	    state: enabled        # enabled (default), cordoned or disabled
//	    load_multiplier: 1.0
//	    tag: ""
//	    site: a
//	    capacity: 250
type poolFile struct {
	Servers map[string]struct {
		URL            string  `yaml:"url"`
		Secret         string  `yaml:"secret"`
		State          string  `yaml:"state"`
		LoadMultiplier float64 `yaml:"load_multiplier"`
		Tag            string  `yaml:"tag"`
		Site           string  `yaml:"site"`
		Capacity       float64 `yaml:"capacity"`
	} `yaml:"servers"`
}

// readPool reads a pool file into server specs.
func readPool(path string) ([]scheduler.ServerSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f poolFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	specs := make([]scheduler.ServerSpec, 0, len(f.Servers))
	for id, s := range f.Servers {
		sp := scheduler.ServerSpec{ID: id, URL: s.URL, Secret: s.Secret, Tag: s.Tag, Site: s.Site, Capacity: s.Capacity,
			LoadMultiplier: s.LoadMultiplier}
		if s.State != "" {
			st, err := scheduler.ParseState(s.State)
			if err != nil {
				return nil, fmt.Errorf("%s: server %s: %w", path, id, err)
			}
			sp.State = st
		}
		specs = append(specs, sp)
	}
	return specs, nil
}

// syncPool reconciles the store with the -servers file and logs (or, in a
// dry run, prints) the changes.
func syncPool(ctx context.Context, sched *scheduler.Scheduler, o *options, out io.Writer, log *slog.Logger) error {
	specs, err := readPool(o.serversFile)
	if err != nil {
		return err
	}
	changes, err := sched.SyncServers(ctx, specs, scheduler.SyncMode(o.serversMode), o.serversDryRun)
	for _, c := range changes {
		if o.serversDryRun {
			fmt.Fprintln(out, c)
		} else {
			log.Info("pool sync", slog.String("change", c.String()))
		}
	}
	return err
}

// scalePolicy is the -scale-policy file:
//
//	sites:
//	  - site: a
//	    headroom: {percent: 20, absolute: 200}
//	    min_servers: 2
//	    max_servers: 10
//	    server_capacity: 250
//	scale_in_margin: {percent: 10}
//	scale_out_cooldown: 5m
//	scale_in_cooldown: 30m
type scalePolicy struct {
	Sites []struct {
		Site     string `yaml:"site"`
		Headroom struct {
			Percent  float64 `yaml:"percent"`
			Absolute float64 `yaml:"absolute"`
		} `yaml:"headroom"`
		MinServers     int     `yaml:"min_servers"`
		MaxServers     int     `yaml:"max_servers"`
		ServerCapacity float64 `yaml:"server_capacity"`
	} `yaml:"sites"`
	ScaleInMargin struct {
		Percent  float64 `yaml:"percent"`
		Absolute float64 `yaml:"absolute"`
	} `yaml:"scale_in_margin"`
	ScaleOutCooldown time.Duration `yaml:"scale_out_cooldown"`
	ScaleInCooldown  time.Duration `yaml:"scale_in_cooldown"`
}

// readScalePolicy reads the -scale-policy file into an Autoscaler that
// keeps its cooldowns in the scheduler's store when the store can (Redis:
// shared by the replicas, kept across restarts).
func readScalePolicy(path string, store scheduler.Store) (*autoscale.Autoscaler, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f scalePolicy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := autoscale.Policy{
		ScaleInMargin:    autoscale.Headroom{Percent: f.ScaleInMargin.Percent, Absolute: f.ScaleInMargin.Absolute},
		ScaleOutCooldown: f.ScaleOutCooldown,
		ScaleInCooldown:  f.ScaleInCooldown,
	}
	for _, s := range f.Sites {
		p.Sites = append(p.Sites, autoscale.SitePolicy{Site: s.Site, MinServers: s.MinServers, MaxServers: s.MaxServers,
			ServerCapacity: s.ServerCapacity, Headroom: autoscale.Headroom{Percent: s.Headroom.Percent, Absolute: s.Headroom.Absolute}})
	}
	var opts []autoscale.Option
	if h, ok := store.(scheduler.ScaleHistoryStore); ok {
		opts = append(opts, autoscale.WithHistory(h))
	}
	a, err := autoscale.New(p, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// runScaleHook plans every interval and runs the hook with each plan that
// has actions, as JSON on its standard input, until ctx ends. It plans only
// while this process polls (the lease holder, or the only poller), so that
// several replicas do not scale twice.
func runScaleHook(ctx context.Context, sched *scheduler.Scheduler, a *autoscale.Autoscaler, hook string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !sched.Polling() {
			continue
		}
		servers, err := sched.Servers(ctx)
		if err != nil {
			log.Warn("scale plan: servers unavailable", slog.String("error", err.Error()))
			continue
		}
		plan, err := a.Plan(ctx, servers)
		if err != nil {
			log.Warn("scale plan failed", slog.String("error", err.Error()))
			continue
		}
		if len(plan.Actions) == 0 {
			continue
		}
		if err := runHook(ctx, hook, plan); err != nil {
			log.Warn("scale hook failed", slog.String("error", err.Error()))
			continue
		}
		log.Info("scale hook ran", slog.Int("actions", len(plan.Actions)))
	}
}

// runHook runs hook with sh -c and the plan as JSON on standard input.
func runHook(ctx context.Context, hook string, plan autoscale.Plan) error {
	b, err := json.Marshal(plan)
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(hctx, "/bin/sh", "-c", hook)
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// resyncOnHangup reconciles the pool file again on every SIGHUP until ctx
// ends.
func resyncOnHangup(ctx context.Context, sched *scheduler.Scheduler, o *options, out io.Writer, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := syncPool(ctx, sched, o, out, log); err != nil {
				log.Error("pool sync failed", slog.String("error", err.Error()))
			}
		}
	}
}

// leaseHolder names this process in the poller lease.
func leaseHolder(name string) string {
	if name != "" {
		return name
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "balancer"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}
