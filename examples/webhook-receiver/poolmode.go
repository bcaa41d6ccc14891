package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// poolFile is a pool.Lister reading a file of "ID API-URL SECRET" lines
// (blank lines and lines starting with # are skipped) at every call, so
// that servers added to the file get the hook at the next interval.
type poolFile string

func (f poolFile) Servers(context.Context) ([]pool.Server, error) {
	data, err := os.ReadFile(string(f))
	if err != nil {
		return nil, err
	}
	return parsePool(data)
}

// parsePool parses the pool file format. Errors name the line, never its
// secret.
func parsePool(data []byte) ([]pool.Server, error) {
	var out []pool.Server
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("pool file line %d: want \"ID API-URL SECRET\", got %d fields", n, len(f))
		}
		out = append(out, pool.Server{ID: f[0], URL: f[1], Secret: f[2]})
	}
	return out, sc.Err()
}

// runPool registers the hook on every server of the pool file and serves
// their callbacks, each verified with its own server's secret.
func (cfg *config) runPool(ctx context.Context, sink *sink, log *slog.Logger) error {
	if _, err := (poolFile(cfg.pool)).Servers(ctx); err != nil {
		return cli.Usagef("-pool: %v", err)
	}
	rec, err := pool.New(poolFile(cfg.pool), webhooks.CreateParams{},
		pool.WithInterval(cfg.poolEvery),
		pool.WithCallbackURL(pool.CallbackURLPath(cfg.callbackURL)),
		pool.WithObserver(func(ev pool.Event) { logPoolEvent(log, ev) }))
	if err != nil {
		return cli.Usagef("%v", err)
	}
	opts, err := cfg.handlerOptions(log)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = rec.Run(runCtx) }()
	defer func() { <-done }()
	defer cancel()
	log.Info("receiving bbb-webhooks callbacks of a pool", "addr", ln.Addr().String(), "pool", cfg.pool,
		"callback_url", cfg.callbackURL+"/<server ID>", "interval", cfg.poolEvery)
	return cli.Serve(ctx, ln, newMux(sink.wrap(pool.NewReceiver(rec, sink.deliver, opts...))), cfg.server, log)
}

func logPoolEvent(log *slog.Logger, ev pool.Event) {
	switch {
	case ev.Removed:
		log.Info("server left the pool", "server", ev.ServerID)
	case ev.Err != nil:
		log.Error("hook check failed", "server", ev.ServerID, "err", ev.Err)
	case ev.Result != nil && (ev.Result.Created || ev.Result.Replaced):
		log.Info("hook registered", "server", ev.ServerID, "hook", ev.Result.Hook.ID)
	default:
		log.Debug("hook present", "server", ev.ServerID)
	}
}
