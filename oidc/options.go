package oidc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Option configures a Joiner.
type Option func(*options) error

type options struct {
	httpClient   *http.Client
	logger       *slog.Logger
	now          func() time.Time
	cookieKeys   [][]byte
	insecure     bool
	loginTTL     time.Duration
	waitTTL      time.Duration
	waitRefresh  time.Duration
	waiting      bool
	scopes       []string
	userInfo     bool
	authStyle    oauth2.AuthStyle
	mapping      ClaimMapping
	rules        []RoleRule
	defaultRole  Role
	rooms        RoomFunc
	userData     map[string]string
	passthrough  map[string]bool
	loginPath    string
	waitPath     string
	errorHandler func(http.ResponseWriter, *http.Request, *Error)
	replay       ReplayCache
}

func defaultOptions() *options {
	return &options{
		logger:      slog.New(slog.DiscardHandler),
		now:         time.Now,
		loginTTL:    10 * time.Minute,
		waitTTL:     time.Hour,
		waitRefresh: 5 * time.Second,
		waiting:     true,
		scopes:      []string{"openid", "profile", "email"},
		mapping:     DefaultClaimMapping(),
		defaultRole: RoleViewer,
		loginPath:   "/oidc/login",
		waitPath:    "/oidc/wait",
	}
}

// WithHTTPClient sets the client used for discovery, the token exchange,
// the key set and UserInfo. Default: a client with a 30 second timeout
// over http.DefaultTransport.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("WithHTTPClient: nil HTTP client")
		}
		o.httpClient = c
		return nil
	}
}

// WithLogger sets the logger. Log lines carry the step, the error kind,
// the meeting and the role; never a token, code, state, nonce, cookie,
// secret or checksum. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock used for cookie lifetimes and ID token expiry.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithCookieKeys sets the secrets (32 bytes or more each) the login and
// waiting cookies are encrypted and signed with. The first seals, all open,
// so a key can be rotated by putting the new one first. Every process behind
// one redirect URL needs the same keys. Default: one random key per Joiner,
// which is right for a single process.
func WithCookieKeys(keys ...[]byte) Option {
	return func(o *options) error {
		if len(keys) == 0 {
			return errors.New("WithCookieKeys: no cookie keys")
		}
		for i, k := range keys {
			if len(k) < minKeyLength {
				return fmt.Errorf("WithCookieKeys: cookie key %d is %d bytes, need at least %d", i, len(k), minKeyLength)
			}
		}
		o.cookieKeys = keys
		return nil
	}
}

// WithInsecureCookies drops the Secure attribute and the "__Host-" name
// prefix from the cookies, for development over plain http on a host other
// than localhost. Never use it in production: the login cookie would travel
// in clear text.
func WithInsecureCookies() Option {
	return func(o *options) error {
		o.insecure = true
		return nil
	}
}

// WithLoginTTL sets how long a started sign-in stays valid. Default 10
// minutes; between 30 seconds and 1 hour. The browser keeps the login cookie
// twice as long, so a tab that returns late from the provider is told it
// took too long and offered the same meeting again.
func WithLoginTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 30*time.Second || d > time.Hour {
			return fmt.Errorf("WithLoginTTL: login TTL %v outside [30s, 1h]", d)
		}
		o.loginTTL = d
		return nil
	}
}

// WithWaiting sets whether users who may not start a meeting wait for it on
// a page that refreshes every refresh interval (true, the default, with a 5
// second refresh) or get ErrNotStarted (false). ttl bounds the wait; after
// it the user signs in again. Zero values keep the defaults (refresh 5s, ttl
// 1h).
func WithWaiting(enabled bool, refresh, ttl time.Duration) Option {
	return func(o *options) error {
		if refresh < 0 || ttl < 0 {
			return errors.New("WithWaiting: negative waiting interval")
		}
		o.waiting = enabled
		if refresh > 0 {
			o.waitRefresh = refresh
		}
		if ttl > 0 {
			o.waitTTL = ttl
		}
		return nil
	}
}

// WithScopes sets the scopes requested; "openid" is added when missing.
// Default: openid profile email.
func WithScopes(scopes ...string) Option {
	return func(o *options) error {
		out := []string{"openid"}
		for _, s := range scopes {
			if s == "" || strings.ContainsAny(s, " \t\n") {
				return fmt.Errorf("WithScopes: invalid scope %q", s)
			}
			if s != "openid" {
				out = append(out, s)
			}
		}
		o.scopes = out
		return nil
	}
}

// WithUserInfo fetches the UserInfo endpoint after the token exchange and
// adds its claims to those of the ID token (the ID token wins where both
// have a claim). Needed for providers that keep groups out of the ID token.
func WithUserInfo() Option {
	return func(o *options) error {
		o.userInfo = true
		return nil
	}
}

// WithAuthStyle sets how the client authenticates to the token endpoint.
// Default: auto-detect (HTTP Basic, then form parameters).
func WithAuthStyle(s oauth2.AuthStyle) Option {
	return func(o *options) error {
		switch s {
		case oauth2.AuthStyleAutoDetect, oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader:
		default:
			return fmt.Errorf("WithAuthStyle: unknown auth style %d", s)
		}
		o.authStyle = s
		return nil
	}
}

// WithClaimMapping sets the claim mapping. Empty fields keep their
// defaults (see DefaultClaimMapping).
func WithClaimMapping(m ClaimMapping) Option {
	return func(o *options) error {
		for _, k := range m.UserData {
			if err := checkUserDataKey(strings.TrimPrefix(k, "userdata-")); err != nil {
				return fmt.Errorf("WithClaimMapping: %w", err)
			}
		}
		o.mapping = m.withDefaults()
		return nil
	}
}

// WithRoleRules sets the role rules, asked in order after a room's own
// rules; the first match decides. A nil rule is an error.
func WithRoleRules(rules ...RoleRule) Option {
	return func(o *options) error {
		for i, rule := range rules {
			if rule == nil {
				return fmt.Errorf("WithRoleRules: rule %d is nil", i)
			}
		}
		o.rules = append([]RoleRule(nil), rules...)
		return nil
	}
}

// WithDefaultRole sets the role of users no rule matches. Default
// RoleViewer; RoleDenied makes the rules an allow-list.
func WithDefaultRole(r Role) Option {
	return func(o *options) error {
		if !r.Valid() {
			return fmt.Errorf("WithDefaultRole: invalid role %q", r)
		}
		o.defaultRole = r
		return nil
	}
}

// WithRooms sets a fixed list of rooms. Either WithRooms or WithRoomFunc is
// required. Every room needs its own non-empty ID and no nil rule.
func WithRooms(rooms ...Room) Option {
	return func(o *options) error {
		seen := make(map[string]bool, len(rooms))
		for _, r := range rooms {
			if r.ID == "" {
				return errors.New("WithRooms: room with empty ID")
			}
			if seen[r.ID] {
				return fmt.Errorf("WithRooms: two rooms with ID %q", r.ID)
			}
			seen[r.ID] = true
			for i, rule := range r.Rules {
				if rule == nil {
					return fmt.Errorf("WithRooms: room %q: rule %d is nil", r.ID, i)
				}
			}
		}
		o.rooms = StaticRooms(rooms...)
		return nil
	}
}

// WithRoomFunc sets the function that finds the room for a meeting ID.
func WithRoomFunc(f RoomFunc) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("WithRoomFunc: nil room func")
		}
		o.rooms = f
		return nil
	}
}

// WithUserData sets userdata-* values sent on every join (keys without the
// "userdata-" prefix), e.g. {"bbb_skip_check_audio": "true"}.
func WithUserData(data map[string]string) Option {
	return func(o *options) error {
		o.userData = make(map[string]string, len(data))
		for k, v := range data {
			k = strings.TrimPrefix(k, "userdata-")
			if err := checkUserDataKey(k); err != nil {
				return fmt.Errorf("WithUserData: %w", err)
			}
			o.userData[k] = v
		}
		return nil
	}
}

// WithUserDataPassthrough lets the login request carry userdata-<key>
// query parameters for the listed keys (without prefix) into the join. Other
// userdata-* parameters on the login request are refused, because some
// userdata keys change the client's behaviour.
func WithUserDataPassthrough(keys ...string) Option {
	return func(o *options) error {
		o.passthrough = make(map[string]bool, len(keys))
		for _, k := range keys {
			k = strings.TrimPrefix(k, "userdata-")
			if err := checkUserDataKey(k); err != nil {
				return fmt.Errorf("WithUserDataPassthrough: %w", err)
			}
			o.passthrough[k] = true
		}
		return nil
	}
}

// WithPaths sets the paths the Middleware and Handler serve for login and
// waiting. Defaults "/oidc/login" and "/oidc/wait". The callback path is
// the path of the configured redirect URL.
func WithPaths(login, wait string) Option {
	return func(o *options) error {
		if !strings.HasPrefix(login, "/") || !strings.HasPrefix(wait, "/") || login == wait {
			return fmt.Errorf("WithPaths: invalid paths %q, %q", login, wait)
		}
		o.loginPath, o.waitPath = login, wait
		return nil
	}
}

// WithErrorHandler replaces the default error page. The handler must answer
// with err.Status (or another non-redirect status) and must not reveal
// anything beyond err.Error().
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err *Error)) Option {
	return func(o *options) error {
		if h == nil {
			return errors.New("WithErrorHandler: nil error handler")
		}
		o.errorHandler = h
		return nil
	}
}

// WithReplayCache sets where used login states are remembered. Default: a
// MemoryReplayCache, right for a single process.
func WithReplayCache(c ReplayCache) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("WithReplayCache: nil replay cache")
		}
		o.replay = c
		return nil
	}
}

func randomKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

// checkUserDataKey accepts the keys BBB passes through: letters, digits and
// underscores (a '-' would be taken as part of the prefix).
func checkUserDataKey(k string) error {
	if k == "" || len(k) > 64 {
		return fmt.Errorf("invalid userdata key %q", k)
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("invalid userdata key %q: use letters, digits and '_'", k)
		}
	}
	return nil
}
