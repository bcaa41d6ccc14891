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

// appendQuery appends the encoded join parameters to dst. It is written out
// by hand rather than through go-querystring because join URLs are built on
// every page view of a portal: this path makes no allocation of its own (its
// helpers take and return the buffer, so a caller's stack buffer stays on
// the stack).
func (p *JoinParams) appendQuery(dst []byte) ([]byte, error) {
	role, err := p.checkRequired()
	if err != nil {
		return nil, err
	}
	start := len(dst)
	dst = p.appendTyped(dst, start, role)
	if dst, err = p.appendUserData(dst, start); err != nil {
		return nil, err
	}
	return p.appendExtra(dst, start)
}

// checkRequired refuses join parameters the server would refuse and returns
// the role in the server's spelling.
func (p *JoinParams) checkRequired() (string, error) {
	const call = "join"
	if p.MeetingID == "" {
		return "", paramErr(call, "meetingID", "required")
	}
	if p.FullName == "" {
		return "", paramErr(call, "fullName", "required")
	}
	if p.Role == "" && p.Password == "" {
		return "", paramErr(call, "role", "set Role (or the deprecated Password)")
	}
	switch role := p.Role; {
	case role == "" || role == RoleModerator || role == RoleViewer:
		return role, nil
	case strings.EqualFold(role, RoleModerator):
		return RoleModerator, nil
	case strings.EqualFold(role, RoleViewer):
		return RoleViewer, nil
	}
	return "", paramErr(call, "role", "must be MODERATOR or VIEWER")
}

// appendTyped appends the parameters of the typed fields, in a fixed order;
// parameters start after dst[:start].
func (p *JoinParams) appendTyped(dst []byte, start int, role string) []byte {
	dst = appendParam(dst, start, "fullName=", p.FullName)
	dst = appendParam(dst, start, "meetingID=", p.MeetingID)
	dst = appendParam(dst, start, "role=", role)
	dst = appendParam(dst, start, "password=", p.Password)
	if !p.CreateTime.IsZero() {
		dst = appendKey(dst, start, "createTime=")
		dst = strconv.AppendInt(dst, p.CreateTime.UnixMilli(), 10)
	}
	dst = appendParam(dst, start, "userID=", p.UserID)
	dst = appendParam(dst, start, "webVoiceConf=", p.WebVoiceConf)
	dst = appendParam(dst, start, "avatarURL=", p.AvatarURL)
	dst = appendParam(dst, start, "webcamBackgroundURL=", p.WebcamBackgroundURL)
	dst = appendBoolParam(dst, start, "redirect=", p.Redirect)
	dst = appendParam(dst, start, "errorRedirectUrl=", p.ErrorRedirectURL)
	dst = appendBoolParam(dst, start, "guest=", p.Guest)
	dst = appendBoolParam(dst, start, "auth=", p.Auth)
	dst = appendBoolParam(dst, start, "excludeFromDashboard=", p.ExcludeFromDashboard)
	dst = appendParam(dst, start, "enforceLayout=", p.EnforceLayout)
	dst = appendParam(dst, start, "logoutURL=", p.LogoutURL)
	dst = appendParam(dst, start, "firstName=", p.FirstName)
	dst = appendParam(dst, start, "lastName=", p.LastName)
	dst = appendBoolParam(dst, start, "bot=", p.Bot)
	dst = appendParam(dst, start, "existingUserID=", p.ExistingUserID)
	dst = appendParam(dst, start, "replaceSessionToken=", p.ReplaceSessionToken)
	return appendParam(dst, start, "sessionName=", p.SessionName)
}

// appendUserData appends UserData as userdata-<key> in key order.
func (p *JoinParams) appendUserData(dst []byte, start int) ([]byte, error) {
	if len(p.UserData) == 0 {
		return dst, nil
	}
	keys := make([]string, 0, len(p.UserData))
	for k := range p.UserData {
		if !ValidUserDataKey(k) {
			return nil, paramErr("join", "userdata-"+k, "user data keys must not contain '-' (the server drops them)")
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = appendKey(dst, start, "userdata-")
		dst = appendEscaped(dst, k)
		dst = append(dst, '=')
		dst = appendEscaped(dst, p.UserData[k])
	}
	return dst, nil
}

// appendExtra appends Extra in key order, refusing a parameter that a typed
// field or UserData already sets.
func (p *JoinParams) appendExtra(dst []byte, start int) ([]byte, error) {
	if len(p.Extra) == 0 {
		return dst, nil
	}
	keys := make([]string, 0, len(p.Extra))
	typed := p.typedNames()
	for k := range p.Extra {
		if k == "" || strings.EqualFold(k, "checksum") {
			return nil, paramErr("join", k, "not allowed in Extra")
		}
		if typed[k] {
			return nil, paramErr("join", k, "set both in Extra and elsewhere")
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range p.Extra[k] {
			dst = appendKey(dst, start, "")
			dst = appendEscaped(dst, k)
			dst = append(dst, '=')
			dst = appendEscaped(dst, v)
		}
	}
	return dst, nil
}

// appendKey starts a parameter: '&' unless it is the first after
// dst[:start], then k (which ends in '=' when it is a whole key).
func appendKey(dst []byte, start int, k string) []byte {
	if len(dst) > start {
		dst = append(dst, '&')
	}
	return append(dst, k...)
}

// appendParam appends k (ending in '=') and v escaped, unless v is empty.
// It is small enough to be inlined, so unset fields cost a comparison.
func appendParam(dst []byte, start int, k, v string) []byte {
	if v == "" {
		return dst
	}
	return appendSetParam(dst, start, k, v)
}

// appendSetParam is kept out of line so that appendParam stays inlinable.
//
//go:noinline
func appendSetParam(dst []byte, start int, k, v string) []byte {
	return appendEscaped(appendKey(dst, start, k), v)
}

// appendBoolParam appends k and *v, unless v is nil.
func appendBoolParam(dst []byte, start int, k string, v *bool) []byte {
	if v == nil {
		return dst
	}
	return strconv.AppendBool(appendKey(dst, start, k), *v)
}

// typedNames returns the parameter names the typed fields and UserData
// set, to refuse an Extra parameter that repeats one of them.
func (p *JoinParams) typedNames() map[string]bool {
	q, err := p.appendUserData(p.appendTyped(nil, 0, p.Role), 0)
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
	var scratch [512]byte
	var sum [128]byte
	query, hexSum, err := c.signJoin(scratch[:0], sum[:0], p)
	if err != nil {
		return "", err
	}
	// One allocation of the exact size, not zeroed, kept by String.
	var b strings.Builder
	b.Grow(len(c.apiURL) + len("join?") + len(query) + len("&checksum=") + len(hexSum))
	b.WriteString(c.apiURL)
	b.WriteString("join?")
	b.Write(query)
	b.WriteString("&checksum=")
	b.Write(hexSum)
	return b.String(), nil
}

// AppendJoinURL appends the signed join URL to dst and returns the extended
// buffer, like JoinURL but without allocating when dst has room: for
// programs that build many join URLs into a buffer they reuse (a rendered
// page, a batch of invitations). The URL is a credential.
func (c *Client) AppendJoinURL(dst []byte, p *JoinParams) ([]byte, error) {
	var scratch [512]byte
	var sum [128]byte
	query, hexSum, err := c.signJoin(scratch[:0], sum[:0], p)
	if err != nil {
		return dst, err
	}
	dst = append(dst, c.apiURL...)
	dst = append(dst, "join?"...)
	dst = append(dst, query...)
	dst = append(dst, "&checksum="...)
	return append(dst, hexSum...), nil
}

// signJoin lays out "join" + query + secret in scratch, hashes it in place
// and returns the query and the hex checksum (both in the caller's buffers,
// which stay on its stack).
func (c *Client) signJoin(scratch, sum []byte, p *JoinParams) (query, hexSum []byte, err error) {
	if p == nil {
		return nil, nil, paramErr("join", "params", "nil")
	}
	scratch = append(scratch, "join"...)
	if scratch, err = p.appendQuery(scratch); err != nil {
		return nil, nil, err
	}
	hexSum = checksum.AppendSumOf(sum, c.alg, append(scratch, c.secret...))
	return scratch[len("join"):], hexSum, nil
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
		return nil, paramErr("join", "params", "nil")
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
