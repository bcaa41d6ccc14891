package bbb

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// GetJoinURLParams are the parameters of getJoinUrl (BigBlueButton 3.0):
// a user who is already in a meeting asks for a URL that opens another
// session (for example a second device or a presentation-only view).
type GetJoinURLParams struct {
	SessionToken   string // the user's session token (a credential)
	ReplaceSession *bool
	SessionName    string
	EnforceLayout  string
	UserData       map[string]string
}

// GetJoinURL calls getJoinUrl, which is authenticated by the user's session
// token rather than by a checksum, and returns the new signed join URL. The
// server's message ("Join URL provided successfully.") is available through
// CaptureAnswer. bbb-web sends its refusals without a messageKey; they match
// ErrMissingSession (unknown or expired token) or ErrNotFound (meeting not
// running) all the same.
func (c *Client) GetJoinURL(ctx context.Context, p *GetJoinURLParams, opts ...CallOption) (string, error) {
	const call = "getJoinUrl"
	if p == nil || p.SessionToken == "" {
		return "", paramErr(call, "sessionToken", "required")
	}
	v := url.Values{"sessionToken": {p.SessionToken}}
	if p.ReplaceSession != nil {
		v.Set("replaceSession", strconv.FormatBool(*p.ReplaceSession))
	}
	if p.SessionName != "" {
		v.Set("sessionName", p.SessionName)
	}
	if p.EnforceLayout != "" {
		v.Set("enforceLayout", p.EnforceLayout)
	}
	for k, val := range p.UserData {
		if !ValidUserDataKey(k) {
			return "", paramErr(call, "userdata-"+k, "user data keys must not contain '-'")
		}
		v.Set("userdata-"+k, val)
	}
	no := false
	resp, err := c.send(ctx, &request{call: call, method: http.MethodGet, query: EncodeQuery(v), idempotent: &no})
	if err != nil {
		return "", err
	}
	var out struct {
		Answer
		URL string `json:"url"`
	}
	if err := c.done(resp, decodeJSON(resp, &out)); err != nil {
		return "", err
	}
	captureAnswer(opts, out.Answer)
	return out.URL, nil
}

// LearningDashboard calls learningDashboard (BigBlueButton 3.0), which is
// authenticated by a moderator's session token, and returns the activity
// report of the running meeting: users with their sessions, talk time, chat
// messages, webcams, reactions and poll answers. bbb-web sends its refusals
// without a messageKey; an unknown or expired token matches
// ErrMissingSession, a meeting that is not running (or has no report yet)
// ErrNotFound; a viewer's token gets "Access denied".
func (c *Client) LearningDashboard(ctx context.Context, sessionToken string) (*LearningDashboard, error) {
	const call = "learningDashboard"
	if sessionToken == "" {
		return nil, paramErr(call, "sessionToken", "required")
	}
	yes := true
	resp, err := c.send(ctx, &request{call: call, method: http.MethodGet, query: "sessionToken=" + Escape(sessionToken), idempotent: &yes})
	if err != nil {
		return nil, err
	}
	out, err := decodeLearningDashboard(resp)
	if err := c.done(resp, err); err != nil {
		return nil, err
	}
	return out, nil
}
