package durable

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of the options.
const (
	DefaultPrefix       = "{bbbkit-webhooks}:"
	DefaultGroup        = "bbbkit"
	DefaultPartitions   = 8
	DefaultDedupWindow  = 15 * time.Minute
	DefaultLease        = 10 * time.Second
	DefaultPollInterval = 200 * time.Millisecond
	DefaultBatch        = 64
)

// ErrUnavailable is matched (errors.Is) by the error of Deliver when Redis
// could not store the delivery.
var ErrUnavailable = errors.New("durable: redis unavailable")

// Queue keeps webhook events in Redis Streams between the HTTP receiver and
// the application. Deliver (a webhooks.DeliveryFunc) appends the events of
// a verified delivery; Consume hands them to the application. Any number
// of processes may share one Queue's keys. A Queue is safe for concurrent
// use.
type Queue struct {
	rdb redis.UniversalClient
	cfg config
}

type config struct {
	prefix     string
	group      string
	consumer   string
	partitions int
	window     time.Duration
	lease      time.Duration
	poll       time.Duration
	batch      int64
	log        *slog.Logger
}

// Option configures a Queue.
type Option func(*config) error

// WithPrefix sets the prefix of every Redis key (default DefaultPrefix). On
// a Redis Cluster keep a hash tag in it ({…}) so that all keys share a slot,
// as the ingest script touches several at once.
func WithPrefix(p string) Option {
	return func(c *config) error {
		if p == "" {
			return errors.New("durable: WithPrefix needs a prefix")
		}
		c.prefix = p
		return nil
	}
}

// WithGroup sets the consumer group name (default DefaultGroup). Every
// replica of one application uses the same group.
func WithGroup(g string) Option {
	return func(c *config) error {
		if g == "" {
			return errors.New("durable: WithGroup needs a name")
		}
		c.group = g
		return nil
	}
}

// WithConsumer names this process in the consumer group (default host
// name, process ID and a random suffix, new at every start).
func WithConsumer(name string) Option {
	return func(c *config) error {
		if name == "" {
			return errors.New("durable: WithConsumer needs a name")
		}
		c.consumer = name
		return nil
	}
}

// WithPartitions sets the number of streams events are spread over by
// meeting (default DefaultPartitions). Events of one meeting always go to
// the same stream, and each stream is consumed by one replica at a time,
// which keeps a meeting's events in order. Every process sharing the keys
// must use the same number.
func WithPartitions(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1024 {
			return errors.New("durable: WithPartitions needs 1 to 1024")
		}
		c.partitions = n
		return nil
	}
}

// WithDedupWindow sets how long an event's identity is remembered, so
// that a retry arriving at any replica within it is not stored twice
// (default DefaultDedupWindow, more than bbb-webhooks' retry schedule).
func WithDedupWindow(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return errors.New("durable: WithDedupWindow needs at least a millisecond")
		}
		c.window = d
		return nil
	}
}

// WithLease sets how long a replica holds a partition without renewing it
// (default DefaultLease): after a replica dies, another takes its
// partitions and re-claims their pending events once the lease ran out. A
// DeliveryFunc must return well within the lease.
func WithLease(d time.Duration) Option {
	return func(c *config) error {
		if d < 100*time.Millisecond {
			return errors.New("durable: WithLease needs at least 100ms")
		}
		c.lease = d
		return nil
	}
}

// WithPollInterval sets how long Consume blocks waiting for new events
// before it renews its leases (default DefaultPollInterval); also the wait
// after an error.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("durable: WithPollInterval needs a positive duration")
		}
		c.poll = d
		return nil
	}
}

// WithLogger logs Redis errors and failed deliveries to the application
// (default: discarded).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("durable: WithLogger needs a logger")
		}
		c.log = l
		return nil
	}
}

// New returns a Queue on rdb. It does no I/O.
func New(rdb redis.UniversalClient, opts ...Option) (*Queue, error) {
	if rdb == nil {
		return nil, errors.New("durable: nil redis client")
	}
	cfg := config{
		prefix: DefaultPrefix, group: DefaultGroup, partitions: DefaultPartitions,
		window: DefaultDedupWindow, lease: DefaultLease, poll: DefaultPollInterval,
		batch: DefaultBatch, log: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("durable: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.consumer == "" {
		cfg.consumer = defaultConsumer()
	}
	if cfg.poll >= cfg.lease/2 {
		return nil, fmt.Errorf("durable: poll interval %v must be below half the lease %v", cfg.poll, cfg.lease)
	}
	return &Queue{rdb: rdb, cfg: cfg}, nil
}

func defaultConsumer() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// Consumer returns this process's consumer name.
func (q *Queue) Consumer() string { return q.cfg.consumer }

func (q *Queue) stream(i int) string { return q.cfg.prefix + "stream:" + strconv.Itoa(i) }
func (q *Queue) lease(i int) string  { return q.cfg.prefix + "lease:" + strconv.Itoa(i) }
func (q *Queue) seen(id string) string {
	return q.cfg.prefix + "seen:" + id
}
