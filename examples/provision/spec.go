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
	idx, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	sp := &specParser{idx: idx, lookupEnv: lookupEnv, users: map[string]int{}, rooms: map[string]int{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		sp.record(line, rec)
	}
	if len(sp.errs) > 0 {
		return nil, errors.Join(sp.errs...)
	}
	return &sp.spec, nil
}

// readHeader reads the header line and returns the index of each column.
func readHeader(cr *csv.Reader) (map[string]int, error) {
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
	return idx, nil
}

// specParser collects the rows of the CSV and every problem with a line.
type specParser struct {
	spec
	idx       map[string]int // column name -> index
	lookupEnv func(string) (string, bool)
	users     map[string]int // email -> line
	rooms     map[string]int // owner + room name -> line
	errs      []error
	line      int
	rec       []string
}

// get is the trimmed value of a column of the current record.
func (sp *specParser) get(col string) string {
	i, ok := sp.idx[col]
	if !ok || i >= len(sp.rec) {
		return ""
	}
	return strings.TrimSpace(sp.rec[i])
}

// bad records a problem with the current line.
func (sp *specParser) bad(format string, a ...any) {
	sp.errs = append(sp.errs, &lineError{sp.line, fmt.Sprintf(format, a...)})
}

// record reads one record.
func (sp *specParser) record(line int, rec []string) {
	sp.line, sp.rec = line, rec
	email := strings.ToLower(sp.get("email"))
	if !validEmail(email) {
		sp.bad("invalid email %q", email)
		return
	}
	switch strings.ToLower(sp.get("kind")) {
	case "user":
		sp.user(email)
	case "room":
		sp.room(email)
	default:
		sp.bad("kind must be user or room, not %q", sp.get("kind"))
	}
}

func (sp *specParser) user(email string) {
	u := userRow{line: sp.line, email: email, name: sp.get("name"), password: sp.get("password"), role: sp.get("role")}
	if u.name == "" {
		sp.bad("user %s: name is required", email)
		return
	}
	if env, ok := strings.CutPrefix(u.password, "env:"); ok {
		v, found := sp.lookupEnv(env)
		if !found || v == "" {
			sp.bad("user %s: environment variable %s is not set", email, env)
			return
		}
		u.password = v
	}
	if prev, dup := sp.users[email]; dup {
		sp.bad("user %s is already listed on line %d", email, prev)
		return
	}
	sp.users[email] = sp.line
	sp.spec.users = append(sp.spec.users, u)
}

func (sp *specParser) room(email string) {
	rm := roomRow{line: sp.line, owner: email, name: sp.get("room"), settings: map[string]string{}}
	if rm.name == "" {
		sp.bad("room for %s: room name is required", email)
		return
	}
	key := email + "\x00" + rm.name
	if prev, dup := sp.rooms[key]; dup {
		sp.bad("room %q of %s is already listed on line %d", rm.name, email, prev)
		return
	}
	ok := sp.settings(&rm)
	for _, e := range splitList(sp.get("shared_with")) {
		e = strings.ToLower(e)
		if !validEmail(e) {
			sp.bad("room %q: invalid share email %q", rm.name, e)
			ok = false
		} else if e != email && !contains(rm.sharedWith, e) {
			rm.sharedWith = append(rm.sharedWith, e)
		}
	}
	if ok {
		sp.rooms[key] = sp.line
		sp.spec.rooms = append(sp.spec.rooms, rm)
	}
}

// settings reads the settings column into rm; false means a bad setting.
func (sp *specParser) settings(rm *roomRow) bool {
	ok := true
	for _, kv := range splitList(sp.get("settings")) {
		k, v, found := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		check, known := knownSettings[k]
		switch {
		case !found:
			sp.bad("room %q: setting %q is not name=value", rm.name, kv)
			ok = false
		case !known:
			sp.bad("room %q: unknown setting %q", rm.name, k)
			ok = false
		case !check(v):
			sp.bad("room %q: bad value %q for %s", rm.name, v, k)
			ok = false
		default:
			if _, dup := rm.settings[k]; !dup {
				rm.order = append(rm.order, k)
			}
			rm.settings[k] = v
		}
	}
	return ok
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
