package webhooks

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Hook is a registration in bbb-webhooks.
type Hook struct {
	// ID is the hook ID: an integer in bbb-webhooks 2.x, a UUID in 3.x.
	// Treat it as an opaque string.
	ID string
	// CallbackURL is where the events are POSTed.
	CallbackURL string
	// MeetingID is the external meeting ID the hook is limited to, or ""
	// for a global hook.
	MeetingID string
	// EventIDs is the list of mapped event ids the hook is limited to
	// (lower-case), or nil for all events.
	EventIDs []EventType
	// Permanent is true for hooks from bbb-webhooks' configuration; they
	// cannot be destroyed and are never removed after failed deliveries.
	Permanent bool
	// Raw is true when the hook receives raw events (getRaw=true).
	Raw bool
}

// CreateParams are the parameters of hooks/create.
type CreateParams struct {
	// CallbackURL is required: an absolute http or https URL. bbb-webhooks
	// identifies hooks by this URL alone, and signs deliveries with it.
	CallbackURL string
	// MeetingID limits the hook to one meeting (its external ID).
	MeetingID string
	// EventIDs limits the hook to these mapped event ids. bbb-webhooks
	// matches them against mapped events only, so a Raw hook with EventIDs
	// receives nothing; Create refuses that combination.
	EventIDs []EventType
	// Raw asks for raw events (getRaw=true) instead of mapped ones. The
	// server must allow it (getRaw in its configuration).
	Raw bool
}

// CreateResult is the answer of hooks/create.
type CreateResult struct {
	// Hook is the new hook, or the existing one when Duplicate is set.
	Hook Hook
	// Duplicate is true when bbb-webhooks already had a hook for the
	// callback URL (messageKey duplicateWarning). bbb-webhooks then keeps the
	// existing hook unchanged, even if its meeting, event list or raw flag
	// differ from the request; Hook describes the existing one.
	Duplicate bool
}

// Client calls the hooks API of bbb-webhooks (hooks/create, hooks/destroy,
// hooks/list) through a bbb.Client, which signs the calls with the server's
// shared secret. It works out of the box against bbb-webhooks of every
// BigBlueButton version: it signs with the bbb.Client's algorithm (SHA-256
// by default), and when the server answers checksumError it retries the call
// once with SHA-1, which bbb-webhooks before BigBlueButton 3.0 requires, and
// signs every later call with SHA-1 if that was accepted. WithChecksum
// chooses the algorithm instead, with no fallback. It is safe for concurrent
// use.
type Client struct {
	sign *signers
}

// NewClient returns a Client that calls the hooks API of the server c talks
// to. bbb-webhooks serves it under the same /bigbluebutton/api/ path.
func NewClient(c *bbb.Client, opts ...ClientOption) (*Client, error) {
	if c == nil {
		return nil, errors.New("webhooks: nil bbb.Client")
	}
	s, err := newSigners(c, opts)
	if err != nil {
		return nil, err
	}
	return &Client{sign: s}, nil
}

// Algorithm returns the checksum algorithm hooks calls are signed with now:
// the one chosen with WithChecksum, the bbb.Client's, or SHA-1 once the
// fallback found the server needs it.
func (c *Client) Algorithm() checksum.Algorithm { return c.sign.algorithm() }

type createResponse struct {
	bbb.Envelope
	HookID        string `xml:"hookID"`
	PermanentHook string `xml:"permanentHook"`
	RawData       string `xml:"rawData"`
}

type destroyResponse struct {
	bbb.Envelope
	Removed string `xml:"removed"`
}

type listResponse struct {
	bbb.Envelope
	Hooks []struct {
		HookID        string `xml:"hookID"`
		CallbackURL   string `xml:"callbackURL"`
		MeetingID     string `xml:"meetingID"`
		EventID       string `xml:"eventID"`
		PermanentHook string `xml:"permanentHook"`
		RawData       string `xml:"rawData"`
	} `xml:"hooks>hook"`
}

// Create registers a hook. When the server already has a hook for the
// callback URL, the result has Duplicate set and describes the existing hook
// (read back with hooks/list; should that call fail, only ID and
// CallbackURL are set). A FAILED answer is a *bbb.Error (for example
// with key createHookError).
func (c *Client) Create(ctx context.Context, p CreateParams) (*CreateResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	q := url.Values{"callbackURL": {p.CallbackURL}}
	if p.MeetingID != "" {
		q.Set("meetingID", p.MeetingID)
	}
	if ids := p.eventIDs(); len(ids) > 0 {
		q.Set("eventID", strings.Join(ids, ","))
	}
	if p.Raw {
		q.Set("getRaw", "true")
	}
	resp, err := hooksDo[createResponse](ctx, c.sign, "hooks/create", q)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(resp.HookID)
	if id == "" {
		return nil, &bbb.DecodeError{Call: "hooks/create", Err: errors.New("SUCCESS without a hookID")}
	}
	if strings.EqualFold(resp.MessageKey, "duplicateWarning") {
		res := &CreateResult{Hook: Hook{ID: id, CallbackURL: p.CallbackURL}, Duplicate: true}
		hooks, err := c.List(ctx, "")
		if err != nil {
			return res, nil // the hook exists; its details are a bonus
		}
		for _, h := range hooks {
			if h.ID == id {
				res.Hook = h
				break
			}
		}
		return res, nil
	}
	h := Hook{ID: id, CallbackURL: p.CallbackURL, MeetingID: p.MeetingID,
		Permanent: parseXMLBool(resp.PermanentHook), Raw: parseXMLBool(resp.RawData)}
	for _, e := range p.eventIDs() {
		h.EventIDs = append(h.EventIDs, EventType(e))
	}
	return &CreateResult{Hook: h}, nil
}

// Destroy removes a hook. An unknown hook, and a permanent one (which
// bbb-webhooks refuses to remove), give a *bbb.Error with key
// destroyMissingHook that matches bbb.ErrNotFound.
func (c *Client) Destroy(ctx context.Context, hookID string) error {
	if strings.TrimSpace(hookID) == "" {
		return &bbb.ParamError{Call: "hooks/destroy", Param: "hookID", Msg: "empty"}
	}
	resp, err := hooksDo[destroyResponse](ctx, c.sign, "hooks/destroy", url.Values{"hookID": {hookID}})
	if err != nil {
		return err
	}
	if !parseXMLBool(resp.Removed) {
		return &bbb.Error{Call: "hooks/destroy", Key: "destroyHookError", Message: "the server did not confirm the removal"}
	}
	return nil
}

// List returns the registered hooks: all of them when meetingID is empty,
// otherwise the global hooks plus those of that meeting (external ID).
func (c *Client) List(ctx context.Context, meetingID string) ([]Hook, error) {
	q := url.Values{}
	if meetingID != "" {
		q.Set("meetingID", meetingID)
	}
	resp, err := hooksDo[listResponse](ctx, c.sign, "hooks/list", q)
	if err != nil {
		return nil, err
	}
	hooks := make([]Hook, 0, len(resp.Hooks))
	for _, w := range resp.Hooks {
		h := Hook{
			ID:          strings.TrimSpace(w.HookID),
			CallbackURL: strings.TrimSpace(w.CallbackURL),
			MeetingID:   strings.TrimSpace(w.MeetingID),
			Permanent:   parseXMLBool(w.PermanentHook),
			Raw:         parseXMLBool(w.RawData),
		}
		for _, e := range strings.Split(w.EventID, ",") {
			if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
				h.EventIDs = append(h.EventIDs, EventType(e))
			}
		}
		hooks = append(hooks, h)
	}
	return hooks, nil
}

func (p *CreateParams) validate() error {
	u, err := url.Parse(p.CallbackURL)
	if p.CallbackURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &bbb.ParamError{Call: "hooks/create", Param: "callbackURL", Msg: "need an absolute http or https URL"}
	}
	if p.Raw && len(p.eventIDs()) > 0 {
		return &bbb.ParamError{Call: "hooks/create", Param: "eventID",
			Msg: "bbb-webhooks filters only mapped events, so a raw hook with an event list would receive nothing"}
	}
	for _, e := range p.EventIDs {
		if strings.Contains(string(e), ",") {
			return &bbb.ParamError{Call: "hooks/create", Param: "eventID", Msg: "an event id contains a comma"}
		}
	}
	return nil
}

// eventIDs returns the event list as bbb-webhooks stores it: lower-case,
// without blanks and duplicates, sorted.
func (p *CreateParams) eventIDs() []string {
	var out []string
	for _, e := range p.EventIDs {
		if s := strings.ToLower(strings.TrimSpace(string(e))); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matches reports whether h already does what p asks for.
func (p *CreateParams) matches(h Hook) bool {
	if h.CallbackURL != p.CallbackURL || h.MeetingID != p.MeetingID || h.Raw != p.Raw {
		return false
	}
	have := make([]string, 0, len(h.EventIDs))
	for _, e := range h.EventIDs {
		have = append(have, strings.ToLower(string(e)))
	}
	slices.Sort(have)
	return slices.Equal(slices.Compact(have), p.eventIDs())
}

func parseXMLBool(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }
