package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// DefaultPrefix is the key prefix used without WithPrefix.
const DefaultPrefix = "bbbkit:scheduler:"

// Store is a scheduler.Store backed by Redis. It is safe for concurrent use
// by several goroutines and processes.
type Store struct {
	rdb    redis.Scripter
	prefix string
}

var (
	_ scheduler.Store      = (*Store)(nil)
	_ scheduler.LeaseStore = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store) error

// WithPrefix sets the key prefix (default DefaultPrefix). It must not be
// empty or contain whitespace.
func WithPrefix(p string) Option {
	return func(s *Store) error {
		if p == "" || strings.ContainsAny(p, " \t\r\n") {
			return &scheduler.ValidationError{Field: "WithPrefix", Reason: "must be non-empty without whitespace"}
		}
		s.prefix = p
		return nil
	}
}

// New returns a Store using rdb, typically a *redis.Client or a
// *redis.ClusterClient (see the package documentation about hash tags).
// The Store does not own rdb: closing it is the caller's job. New does no
// I/O.
func New(rdb redis.Scripter, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, &scheduler.ValidationError{Field: "redis client", Reason: "must not be nil"}
	}
	s := &Store{rdb: rdb, prefix: DefaultPrefix}
	var errs []error
	for _, o := range opts {
		if o == nil {
			errs = append(errs, &scheduler.ValidationError{Field: "option", Reason: "must not be nil"})
			continue
		}
		if err := o(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) run(ctx context.Context, name string, sc *redis.Script, args ...any) ([]any, error) {
	all := make([]any, 0, len(args)+1)
	all = append(all, s.prefix)
	all = append(all, args...)
	v, err := sc.Run(ctx, s.rdb, []string{s.prefix + "servers"}, all...).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: %s: %w", name, err)
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, &DecodeError{Script: name, Reason: "not an array"}
	}
	code, ok := arr[0].(int64)
	if !ok {
		return nil, &DecodeError{Script: name, Reason: "no status code"}
	}
	switch code {
	case codeOK, codeExisting:
		return arr, nil
	case codeServerNotFound:
		return nil, scheduler.ErrServerNotFound
	case codeServerExists:
		return nil, scheduler.ErrServerExists
	case codeNoServer:
		return nil, scheduler.ErrNoServer
	case codeTagUnavailable:
		return nil, scheduler.ErrTagUnavailable
	case codeMeetingUnknown:
		return nil, scheduler.ErrMeetingNotFound
	case codeLeaseHeld:
		return nil, scheduler.ErrLeaseHeld
	case codeLeaseLost:
		return nil, scheduler.ErrLeaseLost
	case codeTenantExists:
		return nil, scheduler.ErrTenantExists
	case codeTenantNotFound:
		return nil, scheduler.ErrTenantNotFound
	case codeTenantRenamed:
		return nil, errTenantRenamed
	}
	return nil, &DecodeError{Script: name, Reason: "status " + strconv.FormatInt(code, 10)}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func unixMS(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func boolFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// AddServer implements scheduler.Store.
func (s *Store) AddServer(ctx context.Context, srv scheduler.Server) error {
	if !srv.Online {
		srv.Load = 0
	}
	_, err := s.run(ctx, "addServer", addServerScript, srv.ID,
		srv.URL, srv.Secret, srv.Tag, string(srv.State), boolFlag(srv.Online), fmtFloat(srv.LoadMultiplier),
		fmtFloat(srv.Load), strconv.Itoa(srv.Meetings), strconv.Itoa(srv.Users), unixMS(srv.PolledAt), "0", "0",
		srv.Site, fmtFloat(srv.Capacity))
	return err
}

// Server implements scheduler.Store.
func (s *Store) Server(ctx context.Context, id string) (scheduler.Server, error) {
	arr, err := s.run(ctx, "server", getServerScript, id)
	if err != nil {
		return scheduler.Server{}, err
	}
	return decodeServer("server", arg(arr, 1))
}

// Servers implements scheduler.Store.
func (s *Store) Servers(ctx context.Context) ([]scheduler.Server, error) {
	arr, err := s.run(ctx, "servers", listServersScript)
	if err != nil {
		return nil, err
	}
	out := make([]scheduler.Server, 0, len(arr)-1)
	for _, v := range arr[1:] {
		srv, err := decodeServer("servers", v)
		if err != nil {
			return nil, err
		}
		out = append(out, srv)
	}
	slices.SortFunc(out, func(a, b scheduler.Server) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateServer implements scheduler.Store.
func (s *Store) UpdateServer(ctx context.Context, id string, u scheduler.ServerUpdate) (scheduler.Server, []string, error) {
	args := []any{id, "0", "", "0", "", "0", "", "0", "", "0", "", "0", ""}
	if u.State != nil {
		args[1], args[2] = "1", string(*u.State)
	}
	if u.LoadMultiplier != nil {
		args[3], args[4] = "1", fmtFloat(*u.LoadMultiplier)
	}
	if u.Secret != nil {
		args[5], args[6] = "1", *u.Secret
	}
	if u.Tag != nil {
		args[7], args[8] = "1", *u.Tag
	}
	if u.Site != nil {
		args[9], args[10] = "1", *u.Site
	}
	if u.Capacity != nil {
		args[11], args[12] = "1", fmtFloat(*u.Capacity)
	}
	arr, err := s.run(ctx, "updateServer", updateServerScript, args...)
	if err != nil {
		return scheduler.Server{}, nil, err
	}
	srv, err := decodeServer("updateServer", arg(arr, 1))
	if err != nil {
		return scheduler.Server{}, nil, err
	}
	cleared, err := decodeStrings("updateServer", arg(arr, 2))
	return srv, cleared, err
}

// DeleteServer implements scheduler.Store.
func (s *Store) DeleteServer(ctx context.Context, id string) ([]string, error) {
	arr, err := s.run(ctx, "deleteServer", deleteServerScript, id)
	if err != nil {
		return nil, err
	}
	return decodeStrings("deleteServer", arg(arr, 1))
}

// ClearServer implements scheduler.Store.
func (s *Store) ClearServer(ctx context.Context, id string, disable bool) (scheduler.Server, []string, error) {
	arr, err := s.run(ctx, "clearServer", clearServerScript, id, boolFlag(disable))
	if err != nil {
		return scheduler.Server{}, nil, err
	}
	srv, err := decodeServer("clearServer", arg(arr, 1))
	if err != nil {
		return scheduler.Server{}, nil, err
	}
	cleared, err := decodeStrings("clearServer", arg(arr, 2))
	return srv, cleared, err
}

// Pick implements scheduler.Store in one round trip.
func (s *Store) Pick(ctx context.Context, req scheduler.PickRequest) (scheduler.Placement, error) {
	primary, fallback := req.Tags.Groups()
	args := make([]any, 0, 8+len(primary)+len(fallback)+len(req.Sites))
	args = append(args, req.MeetingID, boolFlag(req.Tags.Required), fmtFloat(req.Reservation), unixMS(req.Now),
		strconv.Itoa(len(primary)))
	for _, g := range primary {
		args = append(args, g)
	}
	args = append(args, strconv.Itoa(len(fallback)))
	for _, g := range fallback {
		args = append(args, g)
	}
	args = append(args, strconv.Itoa(len(req.Sites)))
	for _, site := range req.Sites {
		args = append(args, site)
	}
	arr, err := s.run(ctx, "pick", pickScript, args...)
	if err != nil {
		if errors.Is(err, scheduler.ErrTagUnavailable) {
			err = &scheduler.TagUnavailableError{Tag: req.Tags.String()}
		}
		return scheduler.Placement{}, err
	}
	srv, err := decodePicked("pick", arg(arr, 1))
	if err != nil {
		return scheduler.Placement{}, err
	}
	return scheduler.Placement{MeetingID: req.MeetingID, Server: srv, Existing: arr[0].(int64) == codeExisting}, nil
}

// Lookup implements scheduler.Store.
func (s *Store) Lookup(ctx context.Context, meetingID string) (scheduler.Server, error) {
	arr, err := s.run(ctx, "lookup", lookupScript, meetingID)
	if err != nil {
		return scheduler.Server{}, err
	}
	return decodeServer("lookup", arg(arr, 1))
}

// Release implements scheduler.Store.
func (s *Store) Release(ctx context.Context, meetingID string) (string, error) {
	arr, err := s.run(ctx, "release", releaseScript, meetingID)
	if err != nil {
		return "", err
	}
	id, ok := arg(arr, 1).(string)
	if !ok {
		return "", &DecodeError{Script: "release", Reason: "no server ID"}
	}
	return id, nil
}

// AddLoad implements scheduler.Store.
func (s *Store) AddLoad(ctx context.Context, serverID string, units float64) error {
	_, err := s.run(ctx, "addLoad", addLoadScript, serverID, fmtFloat(units))
	return err
}

// MeetingIDs implements scheduler.Store.
func (s *Store) MeetingIDs(ctx context.Context, serverID string) ([]string, error) {
	arr, err := s.run(ctx, "meetingIDs", meetingIDsScript, serverID)
	if err != nil {
		return nil, err
	}
	ids, err := decodeStrings("meetingIDs", arg(arr, 1))
	if ids == nil && err == nil {
		ids = []string{}
	}
	return ids, err
}

// ApplyPoll implements scheduler.Store.
func (s *Store) ApplyPoll(ctx context.Context, serverID string, r scheduler.PollResult) (scheduler.PollOutcome, error) {
	args := make([]any, 0, 9+len(r.MeetingIDs))
	args = append(args, serverID, boolFlag(r.OK), unixMS(r.Now), unixMS(r.PendingCutoff), fmtFloat(r.Load),
		strconv.Itoa(r.Users), strconv.Itoa(r.HealthyThreshold), strconv.Itoa(r.UnhealthyThreshold),
		strconv.FormatInt(r.Token, 10))
	for _, id := range r.MeetingIDs {
		args = append(args, id)
	}
	arr, err := s.run(ctx, "applyPoll", applyPollScript, args...)
	if err != nil {
		return scheduler.PollOutcome{}, err
	}
	flags, ok := arg(arr, 1).([]any)
	if !ok || len(flags) != 3 {
		return scheduler.PollOutcome{}, &DecodeError{Script: "applyPoll", Reason: "no flags"}
	}
	var out scheduler.PollOutcome
	out.WentOnline = flags[0] == int64(1)
	out.WentOffline = flags[1] == int64(1)
	out.Disabled = flags[2] == int64(1)
	if out.Server, err = decodeServer("applyPoll", arg(arr, 2)); err != nil {
		return scheduler.PollOutcome{}, err
	}
	if out.Cleared, err = decodeStrings("applyPoll", arg(arr, 3)); err != nil {
		return scheduler.PollOutcome{}, err
	}
	if out.Adopted, err = decodeStrings("applyPoll", arg(arr, 4)); err != nil {
		return scheduler.PollOutcome{}, err
	}
	return out, nil
}

// AcquireLease implements scheduler.LeaseStore with a Redis key that
// expires after ttl (Redis's clock) and a counter of fencing tokens.
func (s *Store) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (int64, error) {
	ms := max(ttl.Milliseconds(), 1)
	arr, err := s.run(ctx, "acquireLease", acquireLeaseScript, holder, strconv.FormatInt(ms, 10))
	if err != nil {
		return 0, err
	}
	tok, ok := arg(arr, 1).(int64)
	if !ok || tok <= 0 {
		return 0, &DecodeError{Script: "acquireLease", Reason: "no token"}
	}
	return tok, nil
}

// ReleaseLease implements scheduler.LeaseStore.
func (s *Store) ReleaseLease(ctx context.Context, holder string, token int64) error {
	_, err := s.run(ctx, "releaseLease", releaseLeaseScript, holder, strconv.FormatInt(token, 10))
	return err
}
