package redisstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestDecodeServer(t *testing.T) {
	t.Parallel()
	good := []any{"a", []any{"url", "https://a/", "secret", "s", "tag", "gpu", "state", "enabled", "online", "1",
		"mult", "1.5", "load", "99", "meetings", "3", "users", "12", "polled", "1767225600000", "healthy", "0"}, "22.5"}
	srv, err := decodeServer("t", good)
	want := scheduler.Server{ID: "a", URL: "https://a/", Secret: "s", Tag: "gpu", State: scheduler.StateEnabled, Online: true,
		LoadMultiplier: 1.5, Load: 22.5, Meetings: 3, Users: 12, PolledAt: time.UnixMilli(1767225600000)}
	if err != nil || srv != want {
		t.Fatalf("decodeServer = %#v, %v; want %#v", srv, err, want)
	}
	for name, v := range map[string]any{
		"not an array":    "x",
		"short":           []any{"a", []any{}},
		"odd pairs":       []any{"a", []any{"url"}, "0"},
		"numeric value":   []any{"a", []any{"url", int64(3)}, "0"},
		"load not str":    []any{"a", []any{}, int64(0)},
		"no state":        []any{"a", []any{"url", "x"}, "0"},
		"unknown state":   []any{"a", []any{"state", "paused"}, "0"},
		"id not a string": []any{int64(1), []any{"state", "enabled"}, "0"},
	} {
		var de *DecodeError
		if _, err := decodeServer("t", v); !errors.As(err, &de) {
			t.Errorf("%s: %v, want *DecodeError", name, err)
		}
	}
}

func TestDecodePicked(t *testing.T) {
	t.Parallel()
	v := []any{"b", []any{"https://b/", "sec", nil, "enabled", "1", "2", "4", "9", nil, "west", "50"}, "30"}
	srv, err := decodePicked("pick", v)
	want := scheduler.Server{ID: "b", URL: "https://b/", Secret: "sec", State: scheduler.StateEnabled, Online: true,
		LoadMultiplier: 2, Load: 30, Meetings: 4, Users: 9, Site: "west", Capacity: 50}
	if err != nil || srv != want {
		t.Fatalf("decodePicked = %#v, %v; want %#v", srv, err, want)
	}
	for name, bad := range map[string]any{
		"not an array":   "x",
		"short values":   []any{"b", []any{"u"}, "0"},
		"missing state":  []any{"b", []any{"u", "s", nil, nil, nil, nil, nil, nil, nil}, "0"},
		"values not arr": []any{"b", "u", "0"},
	} {
		var de *DecodeError
		if _, err := decodePicked("pick", bad); !errors.As(err, &de) {
			t.Errorf("%s: %v, want *DecodeError", name, err)
		}
	}
}

func FuzzDecodeServer(f *testing.F) {
	f.Add("a", "url\x00https://a/\x00secret\x00s\x00state\x00enabled\x00mult\x002", "15")
	f.Add("", "state\x00cordoned\x00polled\x00-1", "NaN")
	f.Add("x", "odd", "1e309")
	f.Fuzz(func(t *testing.T, id, fields, load string) {
		parts := strings.Split(fields, "\x00")
		pairs := make([]any, len(parts))
		for i, p := range parts {
			pairs[i] = p
		}
		srv, err := decodeServer("fuzz", []any{id, pairs, load})
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		if !srv.State.Valid() || srv.ID != id {
			t.Fatalf("decoded %#v from %q", srv, fields)
		}
	})
}
