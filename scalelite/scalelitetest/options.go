package scalelitetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// DefaultForwardTimeout bounds each call the fake makes to a BigBlueButton
// server when WithForwardTimeout is not given.
const DefaultForwardTimeout = 10 * time.Second

// config collects the options.
type config struct {
	secret       string
	sched        *scheduler.Scheduler
	multitenancy bool
	hc           *http.Client
	timeout      time.Duration
	algs         []checksum.Algorithm
	serverAlg    checksum.Algorithm
	log          *slog.Logger
	joinLoad     float64
	pollInterval time.Duration
	strongAuth   bool             // refuse Scalelite's legacy admin checksum
	now          func() time.Time // expiry of strong admin requests
	scaler       *autoscale.Autoscaler
}

// Option configures a Handler or a Server.
type Option func(*config) error

// WithSecret sets the balancer secret (LOADBALANCER_SECRET) that signs the
// BigBlueButton API and the admin API. The default is a random one, available
// as Handler.Secret and Server.Secret.
func WithSecret(secret string) Option {
	return func(c *config) error {
		if secret == "" {
			return errors.New("scalelitetest: WithSecret: empty secret")
		}
		c.secret = secret
		return nil
	}
}

// WithScheduler sets the scheduler that places meetings and keeps the
// servers (for example one with a redisstore.Store, shared by several
// processes). The default is a scheduler.New() with an in-memory store.
func WithScheduler(s *scheduler.Scheduler) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("scalelitetest: WithScheduler: nil scheduler")
		}
		c.sched = s
		return nil
	}
}

// WithMultitenancy turns on tenants (MULTITENANCY_ENABLED): the admin API's
// tenant calls work, and a request whose Host starts with a tenant's name is
// checked against that tenant's secrets and sees only its meetings.
func WithMultitenancy() Option {
	return func(c *config) error {
		c.multitenancy = true
		return nil
	}
}

// WithHTTPClient sets the HTTP client used to call the BigBlueButton servers
// (default http.DefaultClient). The fake never sends joins to the servers;
// it only signs their join URLs for the 302.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("scalelitetest: WithHTTPClient: nil client")
		}
		c.hc = hc
		return nil
	}
}

// WithForwardTimeout bounds each call to a BigBlueButton server (default
// DefaultForwardTimeout).
func WithForwardTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("scalelitetest: WithForwardTimeout: duration must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithAcceptedChecksums sets the algorithms accepted from frontends and
// admin clients (LOADBALANCER_CHECKSUM_ALGORITHM; default SHA-1, SHA-256 and
// SHA-512, as Scalelite).
func WithAcceptedChecksums(algs ...checksum.Algorithm) Option {
	return func(c *config) error {
		if len(algs) == 0 {
			return errors.New("scalelitetest: WithAcceptedChecksums: no algorithm")
		}
		for _, a := range algs {
			if !a.Valid() {
				return errors.New("scalelitetest: WithAcceptedChecksums: invalid algorithm")
			}
		}
		c.algs = append([]checksum.Algorithm(nil), algs...)
		return nil
	}
}

// WithChecksum sets the algorithm used to sign calls to the BigBlueButton
// servers (default SHA-256).
func WithChecksum(alg checksum.Algorithm) Option {
	return func(c *config) error {
		if !alg.Valid() {
			return errors.New("scalelitetest: WithChecksum: invalid algorithm")
		}
		c.serverAlg = alg
		return nil
	}
}

// WithLogger sets the logger (default: discard). Log records never hold a
// secret or a checksum.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("scalelitetest: WithLogger: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithJoinLoad sets the load, in users before the multiplier, that a join
// adds to its server until the next poll (default 1, as Scalelite; 0 turns it
// off).
func WithJoinLoad(units float64) Option {
	return func(c *config) error {
		if units < 0 {
			return errors.New("scalelitetest: WithJoinLoad: negative load")
		}
		c.joinLoad = units
		return nil
	}
}

// WithPollInterval makes NewServer and Start run the scheduler's poller
// (Scheduler.Run) every d until Close. Without it, tests poll when they
// want with Scheduler().Poll. When the fake makes its own scheduler (no
// WithScheduler), d is also that scheduler's poll interval, which drains
// use between their looks at a server. Handlers ignore it: their owner
// runs the poller.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("scalelitetest: WithPollInterval: interval must be positive")
		}
		c.pollInterval = d
		return nil
	}
}

// WithRequireStrongAuth makes the admin API refuse requests signed with
// Scalelite's legacy scheme, whose checksum covers neither the body nor an
// expiry: only requests carrying bodySHA256 and expires in the signed query
// are accepted (see scalelite.VerifyAdminQuery). scalelite.Client signs that
// way unless given scalelite.WithLegacyAuth.
func WithRequireStrongAuth() Option {
	return func(c *config) error {
		c.strongAuth = true
		return nil
	}
}

// WithClock sets the clock that strong admin requests' expiry is checked
// against (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("scalelitetest: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithAutoscaler makes the admin call getScalePlan (bbbkit extension)
// answer with a's preview of the plan for the scheduler's servers (see
// autoscale.Autoscaler's Preview); without it getScalePlan answers 404.
// Give a the scheduler's store with autoscale.WithHistory so that the
// preview knows the cooldowns whichever replica answers.
func WithAutoscaler(a *autoscale.Autoscaler) Option {
	return func(c *config) error {
		if a == nil {
			return errors.New("scalelitetest: WithAutoscaler: nil autoscaler")
		}
		c.scaler = a
		return nil
	}
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		hc:        http.DefaultClient,
		timeout:   DefaultForwardTimeout,
		algs:      []checksum.Algorithm{checksum.SHA1, checksum.SHA256, checksum.SHA512},
		serverAlg: checksum.SHA256,
		log:       slog.New(slog.DiscardHandler),
		joinLoad:  1,
		now:       time.Now,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("scalelitetest: nil option")
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.secret == "" {
		var b [20]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		c.secret = hex.EncodeToString(b[:])
	}
	if c.sched == nil {
		var schedOpts []scheduler.Option
		if c.pollInterval > 0 {
			schedOpts = append(schedOpts, scheduler.WithPollInterval(c.pollInterval))
		}
		s, err := scheduler.New(schedOpts...)
		if err != nil {
			return nil, err
		}
		c.sched = s
	}
	return c, nil
}
