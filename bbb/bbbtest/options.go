package bbbtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Option configures a Server.
type Option func(*config) error

type config struct {
	secret          string
	accepted        []checksum.Algorithm
	now             func() time.Time
	customClock     bool
	publishDelay    time.Duration
	emptyTimeout    time.Duration
	baseURL         string
	seed            uint64
	seeded          bool
	bbbVersion      string
	dialNumber      string
	maxBodyBytes    int64
	hookRetry       []time.Duration
	hookPermReset   time.Duration
	hookAlgorithm   checksum.Algorithm
	hookBearer      bool
	hookTimeout     time.Duration
	hookClient      *http.Client
	hookDomain      string
	permanentHooks  []permanentHook
	observer        func(Event)
	controlDisabled bool
	groupedNumbers  bool
	recDir          string
	recSize         int64
	pluginSdk       string
	redirectAllow   []*url.URL
	hooksSHA1Only   bool
	stunServers     []string
	turnServers     []string
	turnSecret      string
	turnTTL         time.Duration
}

type permanentHook struct {
	url    string
	getRaw bool
}

// DefaultWebhookRetry is the retry schedule bbb-webhooks 3.x uses when its
// configuration gives none: after the first failed attempt it retries after
// 1s, 2s, 5s, 10s and 30s, then removes a non-permanent hook.
var DefaultWebhookRetry = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}

func defaultConfig() *config {
	return &config{
		accepted:      append([]checksum.Algorithm(nil), checksum.All...),
		now:           time.Now,
		emptyTimeout:  time.Minute,
		bbbVersion:    "3.0.19",
		pluginSdk:     "0.0.95",
		dialNumber:    "613-555-1234",
		maxBodyBytes:  2 << 20,
		hookRetry:     append([]time.Duration(nil), DefaultWebhookRetry...),
		hookPermReset: time.Minute,
		hookAlgorithm: checksum.SHA1,
		hookTimeout:   5 * time.Second,
	}
}

// WithSecret sets the shared secret. Without it the server generates a
// random one, available in Server.Secret. An empty or blank secret is an
// error (a real bbb-web with an empty secret disables checks; the fake does
// not offer that).
func WithSecret(secret string) Option {
	return func(c *config) error {
		if strings.TrimSpace(secret) == "" {
			return errors.New("bbbtest: empty secret")
		}
		if strings.TrimSpace(secret) != secret {
			return errors.New("bbbtest: secret has leading or trailing white space")
		}
		c.secret = secret
		return nil
	}
}

// WithAcceptedChecksums sets the checksum algorithms the server accepts,
// like bbb-web's supportedChecksumAlgorithms (default: all four). It
// applies to the BBB API and to the hooks/* API (see also
// WithHooksSHA1Only).
func WithAcceptedChecksums(algs ...checksum.Algorithm) Option {
	return func(c *config) error {
		if len(algs) == 0 {
			return errors.New("bbbtest: no checksum algorithm allowed")
		}
		for _, a := range algs {
			if !a.Valid() {
				return fmt.Errorf("bbbtest: invalid checksum algorithm %v", a)
			}
		}
		c.accepted = append([]checksum.Algorithm(nil), algs...)
		return nil
	}
}

// WithClock sets the time source (default time.Now). Creation and end
// times, the recording publish delay, the empty-meeting timeout, meeting
// durations and the webhook retry schedule all follow it. Pass the Now
// method of a FakeClock to move time by hand.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("bbbtest: nil clock")
		}
		c.now, c.customClock = now, true
		return nil
	}
}

// WithPublishDelay sets how long a recording stays in the "processing"
// state after its meeting ended before it becomes "published" (default 0:
// published as soon as the meeting ends).
func WithPublishDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("bbbtest: negative publish delay")
		}
		c.publishDelay = d
		return nil
	}
}

// WithEmptyMeetingTimeout sets how long a meeting whose last user left keeps
// running before it ends by itself (bbb-web's
// meetingExpireWhenLastUserLeftInMinutes, default one minute). A create
// call's meetingExpireWhenLastUserLeftInMinutes overrides it per meeting.
// Zero disables the automatic end.
func WithEmptyMeetingTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("bbbtest: negative empty-meeting timeout")
		}
		c.emptyTimeout = d
		return nil
	}
}

// WithBaseURL sets the public URL of the server, ending in
// "/bigbluebutton/". It is used for join redirects, playback links and
// getJoinUrl answers. NewServer sets it from its listener; New needs it when
// the handler is served elsewhere (default "http://127.0.0.1/bigbluebutton/").
func WithBaseURL(base string) Option {
	return func(c *config) error {
		u, err := httpcore.ParseAbsoluteURL(base)
		if err != nil {
			return errors.New("bbbtest: base URL must be an absolute http(s) URL")
		}
		if !strings.HasSuffix(u.Path, "/bigbluebutton/") {
			return errors.New("bbbtest: base URL must end in /bigbluebutton/")
		}
		c.baseURL = base
		return nil
	}
}

// WithSeed makes generated values (user IDs, tokens, voice bridges, hook
// IDs, the default secret) reproducible. Combined with a FakeClock the
// server's answers are byte-for-byte stable.
func WithSeed(seed uint64) Option {
	return func(c *config) error {
		c.seed, c.seeded = seed, true
		return nil
	}
}

// WithBBBVersion sets the version the API root reports (default "3.0.19").
func WithBBBVersion(v string) Option {
	return func(c *config) error {
		if v == "" {
			return errors.New("bbbtest: empty BBB version")
		}
		c.bbbVersion = v
		return nil
	}
}

// WithMaxBodyBytes bounds POST bodies (default 2 MiB, like bbb-web's
// default maximum POST size). Larger bodies are answered with 413.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return errors.New("bbbtest: body limit must be positive")
		}
		c.maxBodyBytes = n
		return nil
	}
}

// WithWebhookRetry sets the delays between webhook delivery attempts
// (default DefaultWebhookRetry). After the last one fails, a non-permanent
// hook is removed, as bbb-webhooks does. Use short delays in tests.
func WithWebhookRetry(delays ...time.Duration) Option {
	return func(c *config) error {
		for _, d := range delays {
			if d < 0 {
				return errors.New("bbbtest: negative webhook retry delay")
			}
		}
		c.hookRetry = append([]time.Duration(nil), delays...)
		return nil
	}
}

// WithWebhookChecksum sets the algorithm of callback checksums
// (bbb-webhooks' hookChecksumAlgorithm, default SHA-1).
func WithWebhookChecksum(alg checksum.Algorithm) Option {
	return func(c *config) error {
		if !alg.Valid() {
			return fmt.Errorf("bbbtest: invalid webhook checksum algorithm %v", alg)
		}
		c.hookAlgorithm = alg
		return nil
	}
}

// WithWebhookBearer switches callbacks to bbb-webhooks' bearer mode
// (auth2_0): an "Authorization: Bearer <secret>" header and no checksum.
func WithWebhookBearer() Option {
	return func(c *config) error {
		c.hookBearer = true
		return nil
	}
}

// WithWebhookTimeout sets the timeout of one delivery attempt (default 5s).
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("bbbtest: webhook timeout must be positive")
		}
		c.hookTimeout = d
		return nil
	}
}

// WithWebhookHTTPClient sets the client used to deliver callbacks. Its
// Timeout, if zero, is set from WithWebhookTimeout by wrapping requests in a
// context deadline.
func WithWebhookHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("bbbtest: nil webhook HTTP client")
		}
		c.hookClient = hc
		return nil
	}
}

// WithWebhookDomain sets the "domain" form field of callbacks (default: the
// host of the base URL).
func WithWebhookDomain(domain string) Option {
	return func(c *config) error {
		if domain == "" || strings.ContainsAny(domain, " \t\r\n/") {
			return errors.New("bbbtest: webhook domain must be a non-empty host name")
		}
		c.hookDomain = domain
		return nil
	}
}

// WithPermanentHook registers a permanent hook, like bbb-webhooks'
// permanentURLs: it cannot be destroyed through the API and is never
// removed after failed deliveries.
func WithPermanentHook(callbackURL string, getRaw bool) Option {
	return func(c *config) error {
		if _, err := httpcore.ParseAbsoluteURL(callbackURL); err != nil {
			return errors.New("bbbtest: permanent hook URL must be an absolute http(s) URL")
		}
		c.permanentHooks = append(c.permanentHooks, permanentHook{url: callbackURL, getRaw: getRaw})
		return nil
	}
}

// WithObserver calls f for every event the server emits (the same events
// that are delivered to webhooks), synchronously, after the state change
// that caused it and outside the server's locks. f must not block for long.
func WithObserver(f func(Event)) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("bbbtest: nil observer")
		}
		c.observer = f
		return nil
	}
}

// WithoutControlEndpoints disables the /bbbtest/ HTTP control endpoints.
func WithoutControlEndpoints() Option {
	return func(c *config) error {
		c.controlDisabled = true
		return nil
	}
}

// WithThousandsSeparators makes getMeetings print its counts the way
// bbb-web 2.5 and 2.6 did (maxUsers 1000 as "1,000", bigbluebutton issue
// 17688), to test that a client parses them leniently.
func WithThousandsSeparators() Option {
	return func(c *config) error {
		c.groupedNumbers = true
		return nil
	}
}

// WithHTML5PluginSdkVersion sets the html5PluginSdkVersion the API root
// reports (bbb-web's html5PluginSdkVersion property; default "0.0.95", what
// a 3.0.19 server reports).
func WithHTML5PluginSdkVersion(v string) Option {
	return func(c *config) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("bbbtest: empty html5 plugin SDK version")
		}
		c.pluginSdk = v
		return nil
	}
}

// WithErrorRedirectAllowList lists the URLs a join that fails its checksum
// may be redirected to through its errorRedirectUrl (or redirectErrorUrl)
// parameter. bbb-web 3.0 redirects every failed join validation, the
// checksum included, to that parameter; since such a request is not signed,
// anybody can make a BBB server redirect to any site (an open redirect). The
// fake follows such a redirect only when the target has the scheme and host
// of an entry and its path starts with the entry's path; otherwise it
// redirects to its own origin with the errors. Joins with a valid checksum
// are redirected to their errorRedirectUrl as in bbb-web. Default: no entry.
func WithErrorRedirectAllowList(prefixes ...string) Option {
	return func(c *config) error {
		for _, p := range prefixes {
			u, err := httpcore.ParseAbsoluteURL(p)
			if err != nil || u.User != nil {
				return errors.New("bbbtest: error redirect allow-list entries must be absolute http(s) URLs")
			}
			c.redirectAllow = append(c.redirectAllow, u)
		}
		return nil
	}
}

// WithHooksSHA1Only makes the hooks/* API accept SHA-1 checksums only, as
// bbb-webhooks does before BBB 3.0 (2.6, 2.7); other lengths answer
// checksumError. The BBB API keeps WithAcceptedChecksums.
func WithHooksSHA1Only() Option {
	return func(c *config) error {
		c.hooksSHA1Only = true
		return nil
	}
}
