package main

import (
	"context"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/gapfill"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// newGapfill puts a gapfill.Filler in front of app when -gapfill is set:
// it polls the pool file's servers, or the -bbb-url server, and returns
// the Filler's Run to start beside the server.
func (cfg *config) newGapfill(app webhooks.DeliveryFunc) (webhooks.DeliveryFunc, func(context.Context) error, error) {
	if cfg.gapfill == 0 {
		return app, nil, nil
	}
	if cfg.gapfill < 0 {
		return nil, nil, cli.Usagef("-gapfill must not be negative")
	}
	var lister pool.Lister
	switch {
	case cfg.pool != "":
		lister = poolFile(cfg.pool)
	case cfg.bbbURL != "":
		lister = pool.Static{{ID: "bbb", URL: cfg.bbbURL, Secret: cfg.secret}}
	default:
		return nil, nil, cli.Usagef("-gapfill needs -pool or -bbb-url")
	}
	f, err := gapfill.New(lister, app, gapfill.WithInterval(cfg.gapfill))
	if err != nil {
		return nil, nil, cli.Usagef("%v", err)
	}
	return f.Deliver, f.Run, nil
}
