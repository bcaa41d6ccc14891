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

// DecodeError reports a reply from Redis that the Store cannot read, e.g.
// because another program wrote keys under the same prefix.
type DecodeError struct {
	Script string // the operation
	Reason string
}

// Error implements error.
func (e *DecodeError) Error() string {
	return "redisstore: " + e.Script + ": unexpected reply: " + e.Reason
}

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

// decodeServer reads a server returned by a script: {id, HGETALL pairs,
// load}.
func decodeServer(name string, v any) (scheduler.Server, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 3 {
		return scheduler.Server{}, &DecodeError{Script: name, Reason: "malformed server"}
	}
	id, ok1 := arr[0].(string)
	pairs, ok2 := arr[1].([]any)
	load, ok3 := arr[2].(string)
	if !ok1 || !ok2 || !ok3 || len(pairs)%2 != 0 {
		return scheduler.Server{}, &DecodeError{Script: name, Reason: "malformed server"}
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0
		}
		return f
	}
	srv := scheduler.Server{ID: id, Load: num(load)}
	for i := 0; i < len(pairs); i += 2 {
		k, _ := pairs[i].(string)
		v, ok := pairs[i+1].(string)
		if !ok {
			return scheduler.Server{}, &DecodeError{Script: name, Reason: "malformed server field"}
		}
		switch k {
		case "url":
			srv.URL = v
		case "secret":
			srv.Secret = v
		case "tag":
			srv.Tag = v
		case "state":
			srv.State = scheduler.State(v)
		case "online":
			srv.Online = v == "1"
		case "mult":
			srv.LoadMultiplier = num(v)
		case "meetings":
			srv.Meetings = int(num(v))
		case "users":
			srv.Users = int(num(v))
		case "polled":
			if ms := int64(num(v)); ms > 0 {
				srv.PolledAt = time.UnixMilli(ms)
			}
		}
	}
	if !srv.State.Valid() {
		return scheduler.Server{}, &DecodeError{Script: name, Reason: "unknown state"}
	}
	return srv, nil
}

func decodeStrings(name string, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, &DecodeError{Script: name, Reason: "not a list of strings"}
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, &DecodeError{Script: name, Reason: "not a list of strings"}
		}
		out = append(out, s)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func arg(arr []any, i int) any {
	if i < len(arr) {
		return arr[i]
	}
	return nil
}

// AddServer implements scheduler.Store.
func (s *Store) AddServer(ctx context.Context, srv scheduler.Server) error {
	if !srv.Online {
		srv.Load = 0
	}
	_, err := s.run(ctx, "addServer", addServerScript, srv.ID,
		srv.URL, srv.Secret, srv.Tag, string(srv.State), boolFlag(srv.Online), fmtFloat(srv.LoadMultiplier),
		fmtFloat(srv.Load), strconv.Itoa(srv.Meetings), strconv.Itoa(srv.Users), unixMS(srv.PolledAt), "0", "0")
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
	args := []any{id, "0", "", "0", "", "0", "", "0", ""}
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
	args := make([]any, 0, 7+len(primary)+len(fallback))
	args = append(args, req.MeetingID, boolFlag(req.Tags.Required), fmtFloat(req.Reservation), unixMS(req.Now),
		strconv.Itoa(len(primary)))
	for _, g := range primary {
		args = append(args, g)
	}
	args = append(args, strconv.Itoa(len(fallback)))
	for _, g := range fallback {
		args = append(args, g)
	}
	arr, err := s.run(ctx, "pick", pickScript, args...)
	if err != nil {
		if errors.Is(err, scheduler.ErrTagUnavailable) {
			err = &scheduler.TagUnavailableError{Tag: req.Tags.String()}
		}
		return scheduler.Placement{}, err
	}
	srv, err := decodeServer("pick", arg(arr, 1))
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
	args := make([]any, 0, 8+len(r.MeetingIDs))
	args = append(args, serverID, boolFlag(r.OK), unixMS(r.Now), unixMS(r.PendingCutoff), fmtFloat(r.Load),
		strconv.Itoa(r.Users), strconv.Itoa(r.HealthyThreshold), strconv.Itoa(r.UnhealthyThreshold))
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
