package redisstore

import (
	"slices"
	"strconv"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// DecodeError reports a reply from Redis that the Store cannot read, e.g.
// because another program wrote keys under the same prefix.
type DecodeError struct {
	Script string // the operation
	Reason string // what was wrong with it
}

// Error implements error.
func (e *DecodeError) Error() string {
	return "redisstore: " + e.Script + ": unexpected reply: " + e.Reason
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
		case "site":
			srv.Site = v
		case "cap":
			srv.Capacity = num(v)
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

// pickFields are the fields the pick script reads with HMGET, in order.
var pickFields = [...]string{"url", "secret", "tag", "state", "online", "mult", "meetings", "users", "polled", "site", "cap"}

// decodePicked reads a server returned by the pick script: {id, values of
// pickFields, load}. It reuses decodeServer by pairing the values with
// their field names (HMGET answers nil for a missing field).
func decodePicked(name string, v any) (scheduler.Server, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 3 {
		return scheduler.Server{}, &DecodeError{Script: name, Reason: "malformed server"}
	}
	vals, ok := arr[1].([]any)
	if !ok || len(vals) != len(pickFields) {
		return scheduler.Server{}, &DecodeError{Script: name, Reason: "malformed server"}
	}
	pairs := make([]any, 0, 2*len(vals))
	for i, x := range vals {
		if x == nil {
			x = ""
		}
		pairs = append(pairs, pickFields[i], x)
	}
	return decodeServer(name, []any{arr[0], pairs, arr[2]})
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
