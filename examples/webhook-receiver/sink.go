package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
)

// sink is where verified deliveries go: straight to the printer, or with
// -redis into Redis Streams, from which a consumer prints them.
type sink struct {
	deliver webhooks.DeliveryFunc
	out     webhooks.DeliveryFunc
	queue   *durable.Queue
	rdb     *redis.Client
	// poll runs beside the server when set (-gapfill).
	poll func(context.Context) error
}

func (cfg *config) newSink(app webhooks.DeliveryFunc, log *slog.Logger) (*sink, error) {
	s := &sink{deliver: app, out: app}
	if cfg.redisAddr == "" {
		return s, nil
	}
	// Short timeouts: bbb-webhooks gives up on an attempt after 5s, and an
	// unreachable Redis must turn into a 503 before that.
	s.rdb = redis.NewClient(&redis.Options{Addr: cfg.redisAddr, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, MaxRetries: 1})
	q, err := durable.New(s.rdb, durable.WithPrefix(cfg.redisPrefix), durable.WithLease(cfg.redisLease),
		durable.WithPollInterval(min(durable.DefaultPollInterval, cfg.redisLease/4)), durable.WithLogger(log))
	if err != nil {
		s.rdb.Close()
		return nil, cli.Usagef("%v", err)
	}
	s.queue, s.deliver = q, q.Deliver
	return s, nil
}

// wrap answers 503 while Redis is unreachable (-redis).
func (s *sink) wrap(h http.Handler) http.Handler {
	if s.queue == nil {
		return h
	}
	return s.queue.Wrap(h)
}

// serve runs serveFn and, beside it until it returns, the consumer of
// -redis and the poller of -gapfill.
func (s *sink) serve(ctx context.Context, serveFn func(context.Context) error) error {
	cctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if s.queue != nil {
		wg.Go(func() { _ = s.queue.Consume(cctx, s.out) })
	}
	if s.poll != nil {
		wg.Go(func() { _ = s.poll(cctx) })
	}
	err := serveFn(ctx)
	cancel()
	wg.Wait()
	return err
}

func (s *sink) close() {
	if s.rdb != nil {
		s.rdb.Close()
	}
}
