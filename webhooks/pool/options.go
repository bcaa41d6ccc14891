package pool

import (
	"errors"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/webhooks"
)

// DefaultInterval is the time between two Syncs of Run: well below the
// five minutes after which bbb-webhooks drops a hook whose deliveries fail.
const DefaultInterval = time.Minute

// DefaultConcurrency bounds how many servers one Sync checks at once.
const DefaultConcurrency = 8

type config struct {
	interval      time.Duration
	concurrency   int
	now           func() time.Time
	observe       func(Event)
	callbackURL   func(Server) string
	bbbOptions    []bbb.Option
	clientOptions []webhooks.ClientOption
}

func defaultConfig() config {
	return config{interval: DefaultInterval, concurrency: DefaultConcurrency, now: time.Now}
}

// Option configures a Reconciler.
type Option func(*config) error

// WithInterval sets the time between two Syncs of Run (default
// DefaultInterval); it must be positive.
func WithInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("pool: WithInterval needs a positive interval")
		}
		c.interval = d
		return nil
	}
}

// WithConcurrency bounds how many servers are checked at once (default
// DefaultConcurrency); it must be positive.
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return errors.New("pool: WithConcurrency needs a positive number")
		}
		c.concurrency = n
		return nil
	}
}

// WithClock sets the time source of Status times (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("pool: WithClock needs a function")
		}
		c.now = now
		return nil
	}
}

// WithObserver calls fn after every check and when a server is forgotten,
// for logs and metrics. fn is called from several goroutines at once.
func WithObserver(fn func(Event)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("pool: WithObserver needs a function")
		}
		c.observe = fn
		return nil
	}
}

// WithCallbackURL registers a callback URL of its own on each server, such
// as CallbackURLPath(base) gives. Servers of a pool usually have secrets of
// their own, and bbb-webhooks signs a callback with its server's secret, so
// the receiver has to know which server sent it (see Receiver).
func WithCallbackURL(fn func(Server) string) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("pool: WithCallbackURL needs a function")
		}
		c.callbackURL = fn
		return nil
	}
}

// WithBBBOptions passes options (WithHTTPClient, WithTimeout, …) to the
// bbb.Client of every server.
func WithBBBOptions(opts ...bbb.Option) Option {
	return func(c *config) error {
		c.bbbOptions = append(c.bbbOptions, opts...)
		return nil
	}
}

// WithClientOptions passes options (such as webhooks.WithChecksum) to the
// webhooks.Client of every server.
func WithClientOptions(opts ...webhooks.ClientOption) Option {
	return func(c *config) error {
		c.clientOptions = append(c.clientOptions, opts...)
		return nil
	}
}
