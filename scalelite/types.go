package scalelite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
)

// State is the administrative state of a server.
type State string

// The three states Scalelite knows. New servers start disabled.
const (
	// StateEnabled: the server takes new meetings once it is online.
	StateEnabled State = "enabled"
	// StateCordoned: the server keeps its meetings but takes no new ones;
	// Scalelite turns it disabled once its load is zero.
	StateCordoned State = "cordoned"
	// StateDisabled: the server takes no meetings and joins to its meetings fail.
	StateDisabled State = "disabled"
)

// Valid reports whether s is one of the three states.
func (s State) Valid() bool {
	return s == StateEnabled || s == StateCordoned || s == StateDisabled
}

// action is the verb updateServer expects for the state.
func (s State) action() string {
	switch s {
	case StateEnabled:
		return "enable"
	case StateCordoned:
		return "cordon"
	case StateDisabled:
		return "disable"
	}
	return ""
}

// ParseStateAction maps the verbs updateServer accepts ("enable", "cordon",
// "disable") and the state names themselves to a State. It is what a server
// implementing the admin API needs to read an update request.
func ParseStateAction(s string) (State, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "enable", "enabled":
		return StateEnabled, true
	case "cordon", "cordoned":
		return StateCordoned, true
	case "disable", "disabled":
		return StateDisabled, true
	}
	return "", false
}

// Load is a server's load as Scalelite reports it: a number once the poller
// has measured the server, "unavailable" otherwise (Known is false).
type Load struct {
	Value float64 // the load; meaningful only when Known
	Known bool    // false when Scalelite answered "unavailable"
}

// String returns the number, or "unavailable".
func (l Load) String() string {
	if !l.Known {
		return "unavailable"
	}
	return strconv.FormatFloat(l.Value, 'f', -1, 64)
}

// MarshalJSON writes the number, or the string "unavailable".
func (l Load) MarshalJSON() ([]byte, error) {
	if !l.Known {
		return []byte(`"unavailable"`), nil
	}
	if math.IsNaN(l.Value) || math.IsInf(l.Value, 0) {
		return nil, errors.New("scalelite: load is not a finite number")
	}
	return strconv.AppendFloat(nil, l.Value, 'f', -1, 64), nil
}

// UnmarshalJSON accepts a number, a number in a string, "unavailable", an
// empty string or null.
func (l *Load) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*l = Load{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.EqualFold(s, "unavailable") {
			*l = Load{}
			return nil
		}
		v, err := parseFinite(s)
		if err != nil {
			return fmt.Errorf("scalelite: load %w", err)
		}
		*l = Load{Value: v, Known: true}
		return nil
	}
	v, err := parseFinite(string(b))
	if err != nil {
		return fmt.Errorf("scalelite: load %w", err)
	}
	*l = Load{Value: v, Known: true}
	return nil
}

// flexFloat decodes a JSON number or a number in a string: Rails renders
// BigDecimal values (load_multiplier) as strings.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*f = 0
			return nil
		}
	}
	v, err := parseFinite(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("scalelite: load_multiplier %w", err)
	}
	*f = flexFloat(v)
	return nil
}

func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("is not a finite number")
	}
	return v, nil
}

// onlineFlag decodes "online"/"offline" (what Scalelite sends) and also
// booleans and "true"/"false".
type onlineFlag bool

func (o *onlineFlag) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true":
		*o = true
		return nil
	case "false", "null":
		*o = false
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("scalelite: online is neither a string nor a boolean")
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "online", "true":
		*o = true
	case "offline", "false", "":
		*o = false
	default:
		return errors.New("scalelite: online is neither \"online\" nor \"offline\"")
	}
	return nil
}

// Server is one BigBlueButton server as the admin API describes it.
//
// Server holds the server's shared secret; its String, GoString and LogValue
// methods leave the secret out, so printing or logging a Server is safe.
type Server struct {
	ID             string  // Scalelite's id: a UUID, or the host name
	URL            string  // the server's API URL, ending in /bigbluebutton/api
	Secret         string  // the server's own shared secret
	Tag            string  // the server's tag; empty when untagged
	BBBVersion     string  // BigBlueButton version, when the poller learned it
	State          State   // enabled, cordoned or disabled
	Load           Load    // polled load, or unknown
	LoadMultiplier float64 // a higher multiplier makes the server look busier
	Online         bool    // whether the poller reaches the server
	// Site and Capacity are bbbkit extensions ("site", "capacity"; other
	// Scalelite clients ignore them): where the server runs, and the load
	// at which it is full (0: unlimited).
	Site     string
	Capacity float64
}

type serverWire struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Secret         string     `json:"secret"`
	Tag            string     `json:"tag"`
	BBBVersion     string     `json:"bbb_version"`
	State          string     `json:"state"`
	Load           Load       `json:"load"`
	LoadMultiplier flexFloat  `json:"load_multiplier"`
	Online         onlineFlag `json:"online"`
	Site           string     `json:"site"`
	Capacity       flexFloat  `json:"capacity"`
}

// MarshalJSON writes the server in the shape getServers and getServerInfo
// answer (online as "online"/"offline", load possibly "unavailable").
func (s Server) MarshalJSON() ([]byte, error) {
	online := "offline"
	if s.Online {
		online = "online"
	}
	m := s.LoadMultiplier
	if m == 0 {
		m = 1
	}
	return json.Marshal(struct {
		ID             string  `json:"id"`
		URL            string  `json:"url"`
		Secret         string  `json:"secret"`
		Tag            string  `json:"tag"`
		BBBVersion     string  `json:"bbb_version"`
		State          State   `json:"state"`
		Load           Load    `json:"load"`
		LoadMultiplier float64 `json:"load_multiplier"`
		Online         string  `json:"online"`
		Site           string  `json:"site,omitempty"`
		Capacity       float64 `json:"capacity,omitempty"`
	}{s.ID, s.URL, s.Secret, s.Tag, s.BBBVersion, s.State, s.Load, m, online, s.Site, s.Capacity})
}

// UnmarshalJSON reads a server object, tolerating a load_multiplier sent as a
// string and a load of "unavailable". A missing multiplier reads as 1.
func (s *Server) UnmarshalJSON(b []byte) error {
	w := serverWire{LoadMultiplier: 1}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.ID == "" {
		return errors.New("scalelite: server object without an id")
	}
	st := State(strings.ToLower(w.State))
	if w.State != "" && !st.Valid() {
		return fmt.Errorf("scalelite: server state %q is not enabled, cordoned or disabled", truncate(w.State, 32))
	}
	*s = Server{
		ID: w.ID, URL: w.URL, Secret: w.Secret, Tag: w.Tag, BBBVersion: w.BBBVersion,
		State: st, Load: w.Load, LoadMultiplier: float64(w.LoadMultiplier), Online: bool(w.Online),
		Site: w.Site, Capacity: float64(w.Capacity),
	}
	return nil
}

// String describes the server without its secret.
func (s Server) String() string {
	online := "offline"
	if s.Online {
		online = "online"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "server %s %s %s %s load=%s multiplier=%s", s.ID, s.URL, s.State, online,
		s.Load, strconv.FormatFloat(s.LoadMultiplier, 'f', -1, 64))
	if s.Tag != "" {
		b.WriteString(" tag=" + s.Tag)
	}
	if s.Site != "" {
		b.WriteString(" site=" + s.Site)
	}
	if s.Capacity != 0 {
		b.WriteString(" capacity=" + strconv.FormatFloat(s.Capacity, 'f', -1, 64))
	}
	return b.String()
}

// GoString is String, so that %#v does not print the secret either.
func (s Server) GoString() string { return s.String() }

// LogValue logs the server without its secret.
func (s Server) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", s.ID), slog.String("url", s.URL), slog.String("state", string(s.State)),
		slog.Bool("online", s.Online), slog.String("load", s.Load.String()),
		slog.Float64("load_multiplier", s.LoadMultiplier), slog.String("tag", s.Tag),
	)
}

// Tenant is one tenant of a multitenant Scalelite. Its host name's first DNS
// label selects it (tenant1.scalelite.example.com) and any of its secrets
// signs the BigBlueButton API calls sent to that host name.
//
// String, GoString and LogValue leave the secrets out.
type Tenant struct {
	ID      string
	Name    string
	Secrets []string // on the wire a single colon-separated string
	// SiteOrder is the tenant's site preference order for new meetings
	// (bbbkit extension "site_order", a comma-separated string; a
	// create's meta_bbbkit-site-order overrides it).
	SiteOrder []string
}

// MarshalJSON writes {"id", "name", "secrets"} with the secrets joined by ":"
// (and "site_order" joined by "," when set).
func (t Tenant) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Secrets   string `json:"secrets"`
		SiteOrder string `json:"site_order,omitempty"`
	}{t.ID, t.Name, strings.Join(t.Secrets, ":"), strings.Join(t.SiteOrder, ",")})
}

// UnmarshalJSON reads a tenant object. secrets may be a colon-separated
// string (what Scalelite sends) or a list; other fields are ignored.
func (t *Tenant) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        string          `json:"id"`
		Name      string          `json:"name"`
		Secrets   json.RawMessage `json:"secrets"`
		SiteOrder string          `json:"site_order"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.ID == "" {
		return errors.New("scalelite: tenant object without an id")
	}
	secrets, err := decodeSecrets(w.Secrets)
	if err != nil {
		return err
	}
	*t = Tenant{ID: w.ID, Name: w.Name, Secrets: secrets}
	for site := range strings.SplitSeq(w.SiteOrder, ",") {
		if site = strings.TrimSpace(site); site != "" {
			t.SiteOrder = append(t.SiteOrder, site)
		}
	}
	return nil
}

func decodeSecrets(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] == '[' {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errors.New("scalelite: tenant secrets are neither a string nor a list of strings")
		}
		return nonEmpty(list), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New("scalelite: tenant secrets are neither a string nor a list of strings")
	}
	return nonEmpty(strings.Split(s, ":")), nil
}

func nonEmpty(list []string) []string {
	out := list[:0]
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// String describes the tenant without its secrets.
func (t Tenant) String() string {
	return fmt.Sprintf("tenant %s %s (%d secrets)", t.ID, t.Name, len(t.Secrets))
}

// GoString is String, so that %#v does not print the secrets either.
func (t Tenant) GoString() string { return t.String() }

// LogValue logs the tenant without its secrets.
func (t Tenant) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID), slog.String("name", t.Name), slog.Int("secrets", len(t.Secrets)))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
