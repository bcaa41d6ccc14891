package webhooks

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bool is a boolean that decodes from JSON true/false, from the strings
// "true"/"false" (bbb-webhooks sends user.presenter as a string in some
// versions) and from 1/0. Anything else decodes as false instead of failing
// the whole event. It is a bool, so it can be used in conditions directly.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	switch strings.ToLower(s) {
	case "true", "1":
		*b = true
	case "null":
	default:
		*b = false
	}
	return nil
}

// Int is an integer that decodes from a JSON number (fractions are
// truncated) or from a string holding one, as BigBlueButton is not
// consistent about quoting numbers. Anything else decodes as 0 instead of
// failing the whole event.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	if s == "null" {
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int(v)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && f >= math.MinInt64 && f <= math.MaxInt64 {
		*n = Int(f)
		return nil
	}
	*n = 0
	return nil
}

// Millis is a time sent as milliseconds since the Unix epoch.
type Millis Int

// UnmarshalJSON implements json.Unmarshaler.
func (m *Millis) UnmarshalJSON(data []byte) error { return (*Int)(m).UnmarshalJSON(data) }

// Time converts m to a time.Time in UTC; 0 gives the zero time.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// Metadata is a string map (meeting metadata, user data) that decodes
// leniently: strings are kept, other scalars are kept as their JSON text,
// and nested objects or arrays as their compact JSON.
type Metadata map[string]string

// UnmarshalJSON implements json.Unmarshaler.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		*m = nil
		return nil
	}
	out := make(Metadata, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		if string(v) == "null" {
			out[k] = ""
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			out[k] = buf.String()
		}
	}
	*m = out
	return nil
}
