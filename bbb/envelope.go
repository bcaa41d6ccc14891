package bbb

import (
	"encoding/xml"
	"fmt"
)

// Answer is what an answer says besides its data: BigBlueButton's
// messageKey and message. On success they are informational, such as
// "duplicateWarning" (create), "sentEndMeetingRequest" (end), "noMeetings",
// "noRecordings", "noSessions", or insertDocument's "Presentation is being
// uploaded"; many answers carry neither. Typed results embed it; calls whose
// result is a plain value fill one through CaptureAnswer.
type Answer struct {
	MessageKey string `xml:"messageKey" json:"messageKey,omitempty"`
	Message    string `xml:"message" json:"message,omitempty"`
}

// CallOption adjusts one call of a Client method.
type CallOption func(*callConfig)

type callConfig struct {
	answer *Answer
}

// CaptureAnswer makes a call store its answer's messageKey and message in
// dst when it succeeds, for the methods whose result has no room for them
// (EndMeeting, InsertDocument, GetMeetings, GetSessions, GetJoinURL, ...).
//
//	var ans bbb.Answer
//	err := client.EndMeeting(ctx, "room-1", bbb.CaptureAnswer(&ans))
//	// ans.MessageKey == "sentEndMeetingRequest"
func CaptureAnswer(dst *Answer) CallOption {
	return func(c *callConfig) { c.answer = dst }
}

// captureAnswer hands a successful answer to the CallOptions of a call.
func captureAnswer(opts []CallOption, a Answer) {
	for _, o := range opts {
		var cfg callConfig
		o(&cfg)
		if cfg.answer != nil {
			*cfg.answer = a
		}
	}
}

// Element is a child element of an answer that bbbkit has no field for,
// kept as the server sent it, so that elements newer than bbbkit stay
// readable (Meeting.Extra, Recording.Extra, APIVersion.Extra, ...).
type Element struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	// Inner is the element's content as sent: text, CDATA sections and
	// child elements.
	Inner string `xml:",innerxml"`
}

// Decode unmarshals the element into v with encoding/xml, as if v had been
// a field for it.
func (e Element) Decode(v any) error {
	data, err := xml.Marshal(e)
	if err != nil {
		return err
	}
	return xml.Unmarshal(data, v)
}

// Text returns the element's character data (CDATA included, entities
// resolved), without that of child elements.
func (e Element) Text() string {
	var v struct {
		Text string `xml:",chardata"`
	}
	if e.Decode(&v) != nil {
		return ""
	}
	return v.Text
}

// decodeEnvelopeField decodes the common answer fields for hand-written
// response decoders; it reports whether el was one of them.
func (e *Envelope) decodeEnvelopeField(f *fieldDecoder, el xml.StartElement) bool {
	switch el.Name.Local {
	case "returncode":
		e.ReturnCode = f.text()
	case "messageKey":
		e.MessageKey = f.text()
	case "message":
		e.Message = f.text()
	case "errors":
		var v struct {
			Errors []errorEntry `xml:"error"`
		}
		if err := f.d.DecodeElement(&v, &el); err != nil && f.err == nil {
			f.err = err
		}
		e.Errors = append(e.Errors, v.Errors...)
	default:
		return false
	}
	return true
}

func errNotResponse(start xml.StartElement) error {
	return fmt.Errorf("expected element <response>, found <%s>", truncate(start.Name.Local))
}
