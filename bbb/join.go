package bbb

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// JoinParams are the parameters of join (BigBlueButton 3.0). Set Role
// (RoleModerator or RoleViewer); Password is the deprecated alternative.
// UserData becomes userdata-<key> parameters; Extra carries parameters newer
// than bbbkit.
type JoinParams struct {
	FullName  string
	MeetingID string
	Role      string
	Password  string // deprecated by BBB; use Role
	// CreateTime, when set, makes the server refuse the join if the meeting
	// was re-created since (mismatchCreateTimeParam).
	CreateTime          time.Time
	UserID              string
	WebVoiceConf        string
	AvatarURL           string
	WebcamBackgroundURL string
	// Redirect false asks for an XML answer instead of a 302 to the client;
	// JoinURL leaves it out (the server's default is true) unless set.
	Redirect             *bool
	ErrorRedirectURL     string
	Guest                *bool
	Auth                 *bool
	ExcludeFromDashboard *bool
	EnforceLayout        string
	LogoutURL            string
	FirstName            string
	LastName             string
	Bot                  *bool
	ExistingUserID       string
	ReplaceSessionToken  string
	SessionName          string
	// UserData is sent as userdata-<key>; keys must not contain '-'.
	UserData map[string]string
	Extra    url.Values
}

// joinQuery appends the encoded join parameters to dst. It is written out by
// hand rather than through go-querystring because join URLs are built on
// every page view of a portal: this path makes no allocation of its own.
func (p *JoinParams) appendQuery(dst []byte) ([]byte, error) {
	const call = "join"
	if p.MeetingID == "" {
		return nil, &ParamError{Call: call, Param: "meetingID", Msg: "required"}
	}
	if p.FullName == "" {
		return nil, &ParamError{Call: call, Param: "fullName", Msg: "required"}
	}
	if p.Role == "" && p.Password == "" {
		return nil, &ParamError{Call: call, Param: "role", Msg: "set Role (or the deprecated Password)"}
	}
	role := p.Role
	switch {
	case role == "" || role == RoleModerator || role == RoleViewer:
	case strings.EqualFold(role, RoleModerator):
		role = RoleModerator
	case strings.EqualFold(role, RoleViewer):
		role = RoleViewer
	default:
		return nil, &ParamError{Call: call, Param: "role", Msg: "must be MODERATOR or VIEWER"}
	}
	// Keys are written as "&key=" so each parameter costs one append of
	// its key; the first one drops the '&'.
	first := true
	key := func(k string) {
		if first {
			k = k[1:]
			first = false
		}
		dst = append(dst, k...)
	}
	add := func(k, v string) {
		if v != "" {
			key(k)
			dst = appendEscaped(dst, v)
		}
	}
	addBool := func(k string, v *bool) {
		if v != nil {
			add(k, strconv.FormatBool(*v))
		}
	}
	add("&fullName=", p.FullName)
	add("&meetingID=", p.MeetingID)
	add("&role=", role)
	add("&password=", p.Password)
	if !p.CreateTime.IsZero() {
		key("&createTime=")
		dst = strconv.AppendInt(dst, p.CreateTime.UnixMilli(), 10)
	}
	add("&userID=", p.UserID)
	add("&webVoiceConf=", p.WebVoiceConf)
	add("&avatarURL=", p.AvatarURL)
	add("&webcamBackgroundURL=", p.WebcamBackgroundURL)
	addBool("&redirect=", p.Redirect)
	add("&errorRedirectUrl=", p.ErrorRedirectURL)
	addBool("&guest=", p.Guest)
	addBool("&auth=", p.Auth)
	addBool("&excludeFromDashboard=", p.ExcludeFromDashboard)
	add("&enforceLayout=", p.EnforceLayout)
	add("&logoutURL=", p.LogoutURL)
	add("&firstName=", p.FirstName)
	add("&lastName=", p.LastName)
	addBool("&bot=", p.Bot)
	add("&existingUserID=", p.ExistingUserID)
	add("&replaceSessionToken=", p.ReplaceSessionToken)
	add("&sessionName=", p.SessionName)
	if len(p.UserData) > 0 {
		keys := make([]string, 0, len(p.UserData))
		for k := range p.UserData {
			if !ValidUserDataKey(k) {
				return nil, &ParamError{Call: call, Param: "userdata-" + k, Msg: "user data keys must not contain '-' (the server drops them)"}
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !first {
				dst = append(dst, '&')
			}
			first = false
			dst = append(dst, "userdata-"...)
			dst = appendEscaped(dst, k)
			dst = append(dst, '=')
			dst = appendEscaped(dst, p.UserData[k])
		}
	}
	if len(p.Extra) > 0 {
		keys := make([]string, 0, len(p.Extra))
		typed := p.typedNames()
		for k := range p.Extra {
			if k == "" || strings.EqualFold(k, "checksum") {
				return nil, &ParamError{Call: call, Param: k, Msg: "not allowed in Extra"}
			}
			if typed[k] {
				return nil, &ParamError{Call: call, Param: k, Msg: "set both in Extra and elsewhere"}
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range p.Extra[k] {
				if !first {
					dst = append(dst, '&')
				}
				first = false
				dst = appendEscaped(dst, k)
				dst = append(dst, '=')
				dst = appendEscaped(dst, v)
			}
		}
	}
	return dst, nil
}

// typedNames returns the parameter names the typed fields and UserData
// set, to refuse an Extra parameter that repeats one of them.
func (p *JoinParams) typedNames() map[string]bool {
	tmp := *p
	tmp.Extra = nil
	q, err := tmp.appendQuery(nil)
	if err != nil {
		return nil
	}
	names := map[string]bool{}
	for part := range strings.SplitSeq(string(q), "&") {
		name, _, _ := strings.Cut(part, "=")
		names[name] = true
	}
	return names
}

// JoinURL returns the signed URL that takes a browser into the meeting. It
// does no I/O. The URL is a credential: do not log it.
func (c *Client) JoinURL(p *JoinParams) (string, error) {
	if p == nil {
		return "", &ParamError{Call: "join", Param: "params", Msg: "nil"}
	}
	// The bytes to hash ("join" + query + secret) are laid out on the stack
	// so they are hashed in place; the URL is then allocated once at its
	// exact size.
	var stack [512]byte
	scratch := append(stack[:0], "join"...)
	scratch, err := p.appendQuery(scratch)
	if err != nil {
		return "", err
	}
	query := scratch[len("join"):]
	var sum [128]byte
	hexSum := checksum.AppendSumOf(sum[:0], c.alg, append(scratch, c.secret...))
	buf := make([]byte, 0, len(c.apiURL)+len("join?")+len(query)+len("&checksum=")+len(hexSum))
	buf = append(buf, c.apiURL...)
	buf = append(buf, "join?"...)
	buf = append(buf, query...)
	buf = append(buf, "&checksum="...)
	buf = append(buf, hexSum...)
	return unsafeString(buf), nil
}

// JoinResponse is the XML answer of a server-side join (redirect=false). It
// holds the user's session token: its String method hides it, keep it out
// of logs.
type JoinResponse struct {
	Envelope
	MeetingID    string `xml:"meeting_id"` // internal meeting ID
	UserID       string `xml:"user_id"`
	AuthToken    string `xml:"auth_token"`
	SessionToken string `xml:"session_token"`
	GuestStatus  string `xml:"guestStatus"`
	URL          string `xml:"url"`
}

// String describes the answer without its tokens.
func (r *JoinResponse) String() string {
	return "JoinResponse{MeetingID:" + r.MeetingID + " UserID:" + r.UserID + " GuestStatus:" + r.GuestStatus + " tokens:REDACTED}"
}

// LogValue keeps the tokens out of slog records.
func (r *JoinResponse) LogValue() slog.Value {
	return slog.GroupValue(slog.String("meeting_id", r.MeetingID), slog.String("user_id", r.UserID), slog.String("guest_status", r.GuestStatus))
}

// Join joins a user on the server's side (redirect=false) and returns the
// session the server created. Most portals should redirect the browser to
// JoinURL instead: BigBlueButton binds a server-side session to the calling
// HTTP client unless the meeting allows requests without session. Join never
// follows a redirect; a redirect carrying errors=[...] (how bbb-web reports
// join failures) becomes an *Error.
func (c *Client) Join(ctx context.Context, p *JoinParams) (*JoinResponse, error) {
	if p == nil {
		return nil, &ParamError{Call: "join", Param: "params", Msg: "nil"}
	}
	q := *p
	q.Redirect = Bool(false)
	query, err := q.appendQuery(nil)
	if err != nil {
		return nil, err
	}
	no := false
	resp, err := c.send(ctx, &request{call: "join", method: http.MethodGet, query: string(query), signed: true, noRedirect: true, idempotent: &no})
	if err != nil {
		return nil, err
	}
	if isRedirect(resp.status) {
		loc := resp.header.Get("Location")
		if e := joinRedirectError(loc); e != nil {
			return nil, c.done(resp, e)
		}
		c.done(resp, nil)
		return &JoinResponse{Envelope: Envelope{ReturnCode: "SUCCESS"}, URL: loc}, nil
	}
	out := new(JoinResponse)
	if err := c.decodeXML(resp, out); err != nil {
		return nil, err
	}
	return out, nil
}

// joinRedirectError parses the errors=[{"key":..,"message":..}] that bbb-web
// appends to the logout URL when a join fails.
func joinRedirectError(location string) *Error {
	u, err := url.Parse(location)
	if err != nil {
		return nil
	}
	raw := u.Query().Get("errors")
	if raw == "" {
		return nil
	}
	var list []KeyValue
	if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) == 0 {
		return &Error{Call: "join", Key: "unknownError", Message: "join was redirected with unreadable errors"}
	}
	return &Error{Call: "join", Key: list[0].Key, Message: list[0].Message, Errors: list}
}
