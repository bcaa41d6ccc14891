package bbb

import (
	"context"
	"encoding/xml"
	"net/http"
	"time"

	"github.com/bbbkit/bbbkit/internal/xmlx"
)

// CreateMeetingResponse is the answer of create. MessageKey is
// "duplicateWarning" when the meeting already existed with the same
// parameters (which is success).
type CreateMeetingResponse struct {
	Envelope
	MeetingID            string `xml:"meetingID"`
	InternalMeetingID    string `xml:"internalMeetingID"`
	ParentMeetingID      string `xml:"parentMeetingID"`
	AttendeePW           string `xml:"attendeePW"`
	ModeratorPW          string `xml:"moderatorPW"`
	CreateTimeMillis     int64  `xml:"createTime"`
	VoiceBridge          string `xml:"voiceBridge"`
	DialNumber           string `xml:"dialNumber"`
	CreateDate           string `xml:"createDate"`
	HasUserJoined        bool   `xml:"hasUserJoined"`
	Duration             int    `xml:"duration"`
	HasBeenForciblyEnded bool   `xml:"hasBeenForciblyEnded"`
}

// CreateTime is the meeting's creation time; pass it to JoinParams.CreateTime
// so a join cannot land in a later meeting of the same ID.
func (r *CreateMeetingResponse) CreateTime() time.Time {
	if r.CreateTimeMillis == 0 {
		return time.Time{}
	}
	return time.UnixMilli(r.CreateTimeMillis).UTC()
}

// Duplicate reports whether the meeting already existed (duplicateWarning).
func (r *CreateMeetingResponse) Duplicate() bool { return r.MessageKey == "duplicateWarning" }

// CreateMeeting creates a meeting, or returns the existing one with
// MessageKey "duplicateWarning" when it already runs with the same
// parameters. With Presentations or ClientSettingsOverride set it is sent as
// a POST with an XML body; every parameter stays in the signed URL.
func (c *Client) CreateMeeting(ctx context.Context, p *CreateMeetingParams) (*CreateMeetingResponse, error) {
	const call = "create"
	if p == nil || p.MeetingID == "" {
		return nil, paramErr(call, "meetingID", "required")
	}
	if p.Name == "" {
		return nil, paramErr(call, "name", "required")
	}
	v, err := encodeParams(call, p, p.Meta, "meta_", p.Extra)
	if err != nil {
		return nil, err
	}
	r := &request{call: call, method: http.MethodGet, query: EncodeQuery(v), signed: true}
	if len(p.Presentations) > 0 || p.ClientSettingsOverride != "" {
		body, err := modulesBody(call, p.Presentations, p.ClientSettingsOverride)
		if err != nil {
			return nil, err
		}
		r.method, r.body, r.contentType = http.MethodPost, body, "application/xml"
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	out := new(CreateMeetingResponse)
	if err := c.decodeXML(resp, out); err != nil {
		return nil, err
	}
	return out, nil
}

// EndMeeting asks the server to end a meeting. Ending is asynchronous: the
// meeting may be listed for a moment after EndMeeting returns. The server's
// answer ("sentEndMeetingRequest") is available through CaptureAnswer.
func (c *Client) EndMeeting(ctx context.Context, meetingID string, opts ...CallOption) error {
	if meetingID == "" {
		return paramErr("end", "meetingID", "required")
	}
	var out Envelope
	if err := c.getXML(ctx, "end", "meetingID="+Escape(meetingID), &out); err != nil {
		return err
	}
	captureAnswer(opts, out.Answer)
	return nil
}

type isMeetingRunningResponse struct {
	Envelope
	Running bool `xml:"running"`
}

// IsMeetingRunning reports whether a meeting is running. BigBlueButton says
// true only once a user has joined; an unknown meeting is false, not an error.
func (c *Client) IsMeetingRunning(ctx context.Context, meetingID string, opts ...CallOption) (bool, error) {
	if meetingID == "" {
		return false, paramErr("isMeetingRunning", "meetingID", "required")
	}
	var out isMeetingRunningResponse
	if err := c.getXML(ctx, "isMeetingRunning", "meetingID="+Escape(meetingID), &out); err != nil {
		return false, err
	}
	captureAnswer(opts, out.Answer)
	return out.Running, nil
}

type getMeetingsResponse struct {
	Envelope
	Meetings []Meeting `xml:"meetings>meeting"`
}

// GetMeetings lists every meeting on the server. No meetings is an empty
// slice and no error (the server's noMeetings key, which CaptureAnswer
// reports).
func (c *Client) GetMeetings(ctx context.Context, opts ...CallOption) ([]Meeting, error) {
	var out getMeetingsResponse
	if err := c.getXML(ctx, "getMeetings", "", &out); err != nil {
		return nil, err
	}
	captureAnswer(opts, out.Answer)
	return out.Meetings, nil
}

// meetingInfoResponse decodes getMeetingInfo, whose meeting fields sit
// directly in <response>.
type meetingInfoResponse struct {
	Envelope
	Meeting Meeting
}

// UnmarshalXML implements xml.Unmarshaler.
func (r *meetingInfoResponse) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Local != "response" {
		return errNotResponse(start)
	}
	f := fieldDecoder{d: d}
	err := xmlx.Children(d, func(el xml.StartElement) error {
		if !r.decodeEnvelopeField(&f, el) {
			r.Meeting.decodeField(&f, el)
		}
		return f.err
	})
	if err != nil {
		return err
	}
	return f.err
}

// GetMeetingInfo describes one meeting, with its attendees and metadata. An
// unknown meeting is an *Error matching ErrNotFound.
func (c *Client) GetMeetingInfo(ctx context.Context, meetingID string, opts ...CallOption) (*Meeting, error) {
	if meetingID == "" {
		return nil, paramErr("getMeetingInfo", "meetingID", "required")
	}
	var out meetingInfoResponse
	if err := c.getXML(ctx, "getMeetingInfo", "meetingID="+Escape(meetingID), &out); err != nil {
		return nil, err
	}
	captureAnswer(opts, out.Answer)
	return &out.Meeting, nil
}

// Session is one joined user session, as getSessions lists it.
type Session struct {
	MeetingID   string `xml:"meetingID"` // internal meeting ID
	MeetingName string `xml:"meetingName"`
	UserName    string `xml:"userName"`
	UserID      string `xml:"userID"`
	Role        string `xml:"role"`
}

type getSessionsResponse struct {
	Envelope
	Sessions []Session `xml:"sessions>meeting"`
}

// GetSessions lists the user sessions of the server (BigBlueButton 3.0). No
// sessions is an empty slice and no error (the server's noSessions key, which
// CaptureAnswer reports).
func (c *Client) GetSessions(ctx context.Context, opts ...CallOption) ([]Session, error) {
	var out getSessionsResponse
	if err := c.getXML(ctx, "getSessions", "", &out); err != nil {
		return nil, err
	}
	captureAnswer(opts, out.Answer)
	return out.Sessions, nil
}

// APIVersion is the answer of the API root.
type APIVersion struct {
	Envelope
	Version               string `xml:"version"`
	APIVersion            string `xml:"apiVersion"`
	BBBVersion            string `xml:"bbbVersion"`
	HTML5PluginSdkVersion string `xml:"html5PluginSdkVersion"`
	GraphqlWebsocketURL   string `xml:"graphqlWebsocketUrl"`
	GraphqlAPIURL         string `xml:"graphqlApiUrl"`
	// Extra holds the elements bbbkit has no field for; nil when none.
	Extra []Element `xml:",any"`
}

// Version calls the API root, which needs no checksum. It is the cheapest
// health check of a server.
func (c *Client) Version(ctx context.Context) (*APIVersion, error) {
	resp, err := c.send(ctx, &request{call: "", method: http.MethodGet})
	if err != nil {
		return nil, err
	}
	out := new(APIVersion)
	if err := c.decodeXML(resp, out); err != nil {
		return nil, err
	}
	return out, nil
}

// InsertDocument adds presentations to a running meeting (POST with an XML
// body; BigBlueButton 2.5+). The server converts them afterwards; its answer
// ("Presentation is being uploaded") is available through CaptureAnswer.
func (c *Client) InsertDocument(ctx context.Context, meetingID string, docs []Document, opts ...CallOption) error {
	const call = "insertDocument"
	if meetingID == "" {
		return paramErr(call, "meetingID", "required")
	}
	if len(docs) == 0 {
		return paramErr(call, "documents", "at least one document")
	}
	body, err := modulesBody(call, docs, "")
	if err != nil {
		return err
	}
	resp, err := c.send(ctx, &request{call: call, method: http.MethodPost, query: "meetingID=" + Escape(meetingID),
		signed: true, body: body, contentType: "application/xml"})
	if err != nil {
		return err
	}
	var out Envelope
	if err := c.decodeXML(resp, &out); err != nil {
		return err
	}
	captureAnswer(opts, out.Answer)
	return nil
}

// SendChatMessageParams are the parameters of sendChatMessage.
type SendChatMessageParams struct {
	MeetingID string `url:"meetingID"`
	Message   string `url:"message"`            // 1 to 500 characters
	UserName  string `url:"userName,omitempty"` // shown sender; the server's default is "System"
}

// SendChatMessage posts a message to a meeting's public chat
// (BigBlueButton 3.0).
func (c *Client) SendChatMessage(ctx context.Context, p *SendChatMessageParams, opts ...CallOption) error {
	const call = "sendChatMessage"
	if p == nil || p.MeetingID == "" {
		return paramErr(call, "meetingID", "required")
	}
	if n := len([]rune(p.Message)); n < 1 || n > 500 {
		return paramErr(call, "message", "must have 1 to 500 characters")
	}
	v, err := encodeParams(call, p, nil, "", nil)
	if err != nil {
		return err
	}
	var out Envelope
	if err := c.getXML(ctx, call, EncodeQuery(v), &out); err != nil {
		return err
	}
	captureAnswer(opts, out.Answer)
	return nil
}
