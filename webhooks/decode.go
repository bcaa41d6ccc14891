package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrMalformed matches, with errors.Is, every *DecodeError: a delivery
// whose form or event JSON cannot be decoded.
var ErrMalformed = errors.New("webhooks: malformed delivery")

// DecodeError describes why a delivery body could not be decoded. It never
// contains the body itself.
type DecodeError struct {
	// Field is the form field at fault ("event", "timestamp", …) or "" for
	// the form as a whole.
	Field string
	// Index is the position of the faulty element of the event array, or -1.
	Index int
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("webhooks: malformed delivery")
	if e.Field != "" {
		b.WriteString(": field ")
		b.WriteString(e.Field)
	}
	if e.Index >= 0 {
		b.WriteString(" element ")
		b.WriteString(strconv.Itoa(e.Index))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

func malformed(field string, index int, msg string) error {
	return &DecodeError{Field: field, Index: index, Msg: msg}
}

// Delivery is one callback POST from bbb-webhooks, decoded.
type Delivery struct {
	// Domain is the server domain bbb-webhooks reports (bbb.serverDomain).
	Domain string
	// Timestamp is when bbb-webhooks started delivering this batch. It stays
	// the same across retries of the same delivery; zero when the field is
	// absent.
	Timestamp time.Time
	// Events holds the decoded elements of the event array, in the order
	// sent. bbb-webhooks 3.x sends exactly one per delivery, 2.x up to its
	// configured batch size.
	Events []Event
	// Auth tells how the delivery was authenticated (set by Handler).
	Auth AuthMethod
}

// ParseDelivery decodes an application/x-www-form-urlencoded delivery body
// (fields domain, event and timestamp; others are ignored). It does not
// authenticate anything: use Handler, or Verify first. Errors are
// *DecodeError.
func ParseDelivery(body []byte) (*Delivery, error) {
	f, err := parseForm(body)
	if err != nil {
		return nil, err
	}
	if f.event == nil {
		return nil, malformed("event", -1, "missing")
	}
	d := &Delivery{Domain: string(f.domain)}
	if f.timestamp != nil {
		ms, err := strconv.ParseInt(string(bytes.TrimSpace(f.timestamp)), 10, 64)
		if err != nil || ms < 0 {
			return nil, malformed("timestamp", -1, "not a number of milliseconds")
		}
		d.Timestamp = time.UnixMilli(ms).UTC()
	}
	d.Events, err = parseEvents(f.event)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// form holds the decoded values of the fields a delivery carries.
type form struct {
	domain, event, timestamp []byte
}

// parseForm splits a WHATWG/HTML form body on "&" and decodes the three
// fields of a delivery. A field given twice is an error, because the two
// copies could disagree.
func parseForm(body []byte) (form, error) {
	var f form
	if bytes.IndexByte(body, 0) >= 0 {
		return f, malformed("", -1, "NUL byte in form data")
	}
	for len(body) > 0 {
		var pair []byte
		if i := bytes.IndexByte(body, '&'); i >= 0 {
			pair, body = body[:i], body[i+1:]
		} else {
			pair, body = body, nil
		}
		if len(pair) == 0 {
			continue
		}
		key, val, _ := bytes.Cut(pair, []byte{'='})
		k, ok := unescape(nil, key)
		if !ok {
			return f, malformed("", -1, "bad percent-encoding in a field name")
		}
		var dst *[]byte
		switch string(k) {
		case "event":
			dst = &f.event
		case "timestamp":
			dst = &f.timestamp
		case "domain":
			dst = &f.domain
		default:
			continue
		}
		if *dst != nil {
			return f, malformed(string(k), -1, "given more than once")
		}
		v, ok := unescape(make([]byte, 0, len(val)), val)
		if !ok {
			return f, malformed(string(k), -1, "bad percent-encoding")
		}
		*dst = v
	}
	return f, nil
}

// unescape appends the form-decoded s ('+' is a space, %XX a byte) to dst.
// It reports false for a malformed escape.
func unescape(dst, s []byte) ([]byte, bool) {
	if dst == nil {
		dst = make([]byte, 0, len(s))
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 >= len(s) {
				return nil, false
			}
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return nil, false
			}
			dst = append(dst, h<<4|l)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ParseEvents decodes the value of a delivery's event field: a JSON array of
// mapped or raw events. An empty array, an element that is not an object or
// a mapped event without an id is an error (*DecodeError); a field of
// data.attributes with an unexpected shape is not (see Event.DecodeErr).
// The events do not share memory with data.
func ParseEvents(data []byte) ([]Event, error) {
	return parseEvents(bytes.Clone(data))
}

// parseEvents decodes the array with one json.Decoder, so that each element
// is scanned and decoded once, and slices each element's original text out
// of data by the decoder's offsets. The events keep references into data.
func parseEvents(data []byte) ([]Event, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed("event", -1, "not a JSON array: "+jsonErrorText(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, malformed("event", -1, "not a JSON array")
	}
	var events []Event
	for i := 0; dec.More(); i++ {
		start := dec.InputOffset()
		var w wireEvent
		err := dec.Decode(&w)
		var soft error
		if err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) || !strings.HasPrefix(te.Field, "data.attributes") {
				if errors.As(err, &te) && te.Field == "" {
					return nil, malformed("event", i, "not a JSON object")
				}
				return nil, malformed("event", i, jsonErrorText(err))
			}
			soft = errors.New("webhooks: " + jsonErrorText(err))
		}
		el := bytes.TrimLeft(data[start:dec.InputOffset()], ", \t\r\n")
		if len(el) == 0 || el[0] != '{' {
			return nil, malformed("event", i, "not a JSON object")
		}
		events = append(events, Event{JSON: el, DecodeErr: soft})
		if err := events[i].fill(&w); err != nil {
			return nil, malformed("event", i, err.Error())
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		return nil, malformed("event", -1, "truncated JSON array")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("event", -1, "data after the JSON array")
	}
	if len(events) == 0 {
		return nil, malformed("event", -1, "empty array")
	}
	return events, nil
}

// wireEvent is the union of the shapes an element can have.
type wireEvent struct {
	Data *struct {
		ID         *string    `json:"id"`
		Attributes Attributes `json:"attributes"`
		Event      struct {
			TS Millis `json:"ts"`
		} `json:"event"`
	} `json:"data"`
	Envelope *struct {
		Name    string `json:"name"`
		Routing struct {
			MeetingID string `json:"meetingId"`
			UserID    string `json:"userId"`
		} `json:"routing"`
		Timestamp Millis `json:"timestamp"`
	} `json:"envelope"`
	Core *struct {
		Header struct {
			Name      string `json:"name"`
			MeetingID string `json:"meetingId"`
			UserID    string `json:"userId"`
		} `json:"header"`
		Body json.RawMessage `json:"body"`
	} `json:"core"`
	Header *struct {
		Name        string `json:"name"`
		CurrentTime Millis `json:"current_time"`
		Timestamp   Millis `json:"timestamp"`
	} `json:"header"`
	Payload json.RawMessage `json:"payload"`
}

// rawIDs are the places raw messages keep meeting IDs.
type rawIDs struct {
	MeetingID         string `json:"meetingId"`
	RecordID          string `json:"recordId"`
	MeetingIDSnake    string `json:"meeting_id"`
	ExternalMeetingID string `json:"external_meeting_id"`
	Props             *struct {
		MeetingProp struct {
			IntID string `json:"intId"`
			ExtID string `json:"extId"`
		} `json:"meetingProp"`
	} `json:"props"`
}

// fill sets ev's fields from a decoded element.
func (ev *Event) fill(w *wireEvent) error {
	if d := w.Data; d != nil {
		if d.ID == nil || *d.ID == "" {
			return errors.New("data without an id")
		}
		ev.Type = EventType(*d.ID)
		ev.Timestamp = d.Event.TS.Time()
		ev.Attributes = &d.Attributes
		ev.MeetingID = d.Attributes.Meeting.ExternalID
		ev.InternalMeetingID = d.Attributes.Meeting.InternalID
		return nil
	}
	ev.Raw = true
	m := &RawMessage{}
	ev.Message = m
	var body json.RawMessage
	if e := w.Envelope; e != nil {
		m.Name = e.Name
		m.UserID = e.Routing.UserID
		ev.InternalMeetingID = e.Routing.MeetingID
		ev.Timestamp = e.Timestamp.Time()
	}
	if c := w.Core; c != nil {
		if m.Name == "" {
			m.Name = c.Header.Name
		}
		if m.UserID == "" {
			m.UserID = c.Header.UserID
		}
		if ev.InternalMeetingID == "" {
			ev.InternalMeetingID = c.Header.MeetingID
		}
		body = c.Body
	}
	if h := w.Header; h != nil {
		if m.Name == "" {
			m.Name = h.Name
		}
		if ev.Timestamp.IsZero() {
			ev.Timestamp = h.CurrentTime.Time()
		}
		if ev.Timestamp.IsZero() {
			ev.Timestamp = h.Timestamp.Time()
		}
	}
	if body == nil {
		body = w.Payload
	}
	m.Body = body
	ev.Type = EventType(m.Name)
	if len(body) > 0 && body[0] == '{' {
		var ids rawIDs
		if json.Unmarshal(body, &ids) == nil {
			for _, id := range []string{ids.MeetingID, ids.RecordID, ids.MeetingIDSnake} {
				if ev.InternalMeetingID == "" {
					ev.InternalMeetingID = id
				}
			}
			ev.MeetingID = ids.ExternalMeetingID
			if p := ids.Props; p != nil {
				if ev.InternalMeetingID == "" {
					ev.InternalMeetingID = p.MeetingProp.IntID
				}
				if ev.MeetingID == "" {
					ev.MeetingID = p.MeetingProp.ExtID
				}
			}
		}
	}
	return nil
}

// jsonErrorText describes a JSON error without quoting the input.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := te.Field
		if f == "" {
			f = "value"
		}
		return f + ": unexpected JSON " + te.Value
	}
	return "invalid JSON"
}
