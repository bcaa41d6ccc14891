package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bbbkit/bbbkit/greenlight"
)

// userRow is one "user" line of the CSV.
type userRow struct {
	line                        int
	email, name, password, role string
}

// roomRow is one "room" line of the CSV.
type roomRow struct {
	line       int
	owner      string            // email
	name       string            // room name
	settings   map[string]string // setting name -> wanted value
	order      []string          // setting names in CSV order
	sharedWith []string          // emails
}

// spec is the whole CSV.
type spec struct {
	users []userRow
	rooms []roomRow
}

// lineError is a CSV problem with its line number.
type lineError struct {
	line int
	msg  string
}

// Error implements error.
func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var columns = []string{"kind", "email", "name", "password", "role", "room", "settings", "shared_with"}

// knownSettings are the settings the CSV may set, with a value check.
var knownSettings = map[string]func(string) bool{
	greenlight.SettingRecord:                isBool,
	greenlight.SettingMuteOnStart:           isBool,
	greenlight.SettingAnyoneCanStart:        isBool,
	greenlight.SettingAnyoneJoinAsModerator: isBool,
	greenlight.SettingRequireAuthentication: isBool,
	greenlight.SettingServerTagRequired:     isBool,
	greenlight.SettingViewerAccessCode:      isBool, // true: a code exists; false: none
	greenlight.SettingModeratorAccessCode:   isBool,
	greenlight.SettingServerTag:             func(string) bool { return true },
	greenlight.SettingGuestPolicy: func(v string) bool {
		return v == greenlight.GuestAlwaysAccept || v == greenlight.GuestAskModerator || v == greenlight.GuestAlwaysDeny
	},
}

func isBool(v string) bool { return v == "true" || v == "false" }

// parseSpec reads the CSV. lookupEnv resolves "env:NAME" passwords.
func parseSpec(r io.Reader, lookupEnv func(string) (string, bool)) (*spec, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range []string{"kind", "email"} {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("header: missing column %q (columns: %s)", c, strings.Join(columns, ","))
		}
	}
	for h := range idx {
		if !contains(columns, h) {
			return nil, fmt.Errorf("header: unknown column %q (columns: %s)", h, strings.Join(columns, ","))
		}
	}
	s := &spec{}
	var errs []error
	users := map[string]int{}
	rooms := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(col string) string {
			i, ok := idx[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		bad := func(format string, a ...any) { errs = append(errs, &lineError{line, fmt.Sprintf(format, a...)}) }
		email := strings.ToLower(get("email"))
		if !validEmail(email) {
			bad("invalid email %q", email)
			continue
		}
		switch strings.ToLower(get("kind")) {
		case "user":
			u := userRow{line: line, email: email, name: get("name"), password: get("password"), role: get("role")}
			if u.name == "" {
				bad("user %s: name is required", email)
				continue
			}
			if env, ok := strings.CutPrefix(u.password, "env:"); ok {
				v, found := lookupEnv(env)
				if !found || v == "" {
					bad("user %s: environment variable %s is not set", email, env)
					continue
				}
				u.password = v
			}
			if prev, dup := users[email]; dup {
				bad("user %s is already listed on line %d", email, prev)
				continue
			}
			users[email] = line
			s.users = append(s.users, u)
		case "room":
			rm := roomRow{line: line, owner: email, name: get("room"), settings: map[string]string{}}
			if rm.name == "" {
				bad("room for %s: room name is required", email)
				continue
			}
			key := email + "\x00" + rm.name
			if prev, dup := rooms[key]; dup {
				bad("room %q of %s is already listed on line %d", rm.name, email, prev)
				continue
			}
			ok := true
			for _, kv := range splitList(get("settings")) {
				k, v, found := strings.Cut(kv, "=")
				k, v = strings.TrimSpace(k), strings.TrimSpace(v)
				check, known := knownSettings[k]
				switch {
				case !found:
					bad("room %q: setting %q is not name=value", rm.name, kv)
					ok = false
				case !known:
					bad("room %q: unknown setting %q", rm.name, k)
					ok = false
				case !check(v):
					bad("room %q: bad value %q for %s", rm.name, v, k)
					ok = false
				default:
					if _, dup := rm.settings[k]; !dup {
						rm.order = append(rm.order, k)
					}
					rm.settings[k] = v
				}
			}
			for _, e := range splitList(get("shared_with")) {
				e = strings.ToLower(e)
				if !validEmail(e) {
					bad("room %q: invalid share email %q", rm.name, e)
					ok = false
				} else if e != email && !contains(rm.sharedWith, e) {
					rm.sharedWith = append(rm.sharedWith, e)
				}
			}
			if ok {
				rooms[key] = line
				s.rooms = append(s.rooms, rm)
			}
		default:
			bad("kind must be user or room, not %q", get("kind"))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n<>;,") && len(e) <= 254
}
