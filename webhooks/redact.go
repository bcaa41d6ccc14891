package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Redacted is the value RedactedJSON puts in place of a secret.
const Redacted = "[REDACTED]"

// secretKeys are the JSON keys whose values are credentials: meeting
// passwords and session tokens in mapped events, and their counterparts in
// raw akka-apps messages.
var secretKeys = []string{
	"moderator-pass", "viewer-pass", "session-token",
	"moderatorPass", "viewerPass", "learningDashboardAccessToken", "authToken", "sessionToken",
}

// RedactedJSON returns the event's JSON with the values of credential
// fields (meeting passwords, session tokens) replaced by Redacted, for
// logging. Everything else, key order included, is kept; the result is
// compact. An event without such fields is returned unchanged.
func (e *Event) RedactedJSON() json.RawMessage {
	return RedactJSON(e.JSON)
}

// RedactJSON is RedactedJSON for any JSON document. Invalid JSON gives nil.
func RedactJSON(data []byte) json.RawMessage {
	if !json.Valid(data) {
		return nil
	}
	// A key could be spelled with \u escapes; such documents take the slow
	// path too.
	found := bytes.Contains(data, []byte(`\u`))
	for _, k := range secretKeys {
		if bytes.Contains(data, []byte(`"`+k+`"`)) {
			found = true
			break
		}
	}
	if !found {
		return json.RawMessage(data)
	}
	out, err := redact(data)
	if err != nil {
		return nil
	}
	return out
}

// redact re-emits data token by token, replacing the values of secret keys.
func redact(data []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	type frame struct {
		object  bool
		wantKey bool
		n       int
	}
	var stack []frame
	redactNext := false
	writeString := func(s string) error {
		if err := enc.Encode(s); err != nil {
			return err
		}
		out.Truncate(out.Len() - 1) // Encode adds a newline
		return nil
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		// Separators before a key or an array element.
		if n := len(stack); n > 0 {
			f := &stack[n-1]
			closing := tok == json.Delim('}') || tok == json.Delim(']')
			if !closing && (!f.object || f.wantKey) {
				if f.n > 0 {
					out.WriteByte(',')
				}
				f.n++
			}
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey
		skipValue := false
		if !isKey && redactNext {
			redactNext = false
			if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
				// A nested value under a secret key: drop it whole.
				depth := 1
				for depth > 0 {
					t, err := dec.Token()
					if err != nil {
						return nil, err
					}
					switch t {
					case json.Delim('{'), json.Delim('['):
						depth++
					case json.Delim('}'), json.Delim(']'):
						depth--
					}
				}
			}
			if err := writeString(Redacted); err != nil {
				return nil, err
			}
			skipValue = true
		}
		if !skipValue {
			switch t := tok.(type) {
			case json.Delim:
				out.WriteByte(byte(t))
				switch t {
				case '{':
					stack = append(stack, frame{object: true, wantKey: true})
				case '[':
					stack = append(stack, frame{})
				default:
					stack = stack[:len(stack)-1]
				}
			case string:
				if err := writeString(t); err != nil {
					return nil, err
				}
				if isKey {
					out.WriteByte(':')
					for _, k := range secretKeys {
						if t == k {
							redactNext = true
						}
					}
				}
			case json.Number:
				out.WriteString(t.String())
			case bool:
				if t {
					out.WriteString("true")
				} else {
					out.WriteString("false")
				}
			case nil:
				out.WriteString("null")
			default:
				return nil, errors.New("webhooks: unexpected JSON token")
			}
		}
		// After a key the next token is its value; after a value, a key.
		if n := len(stack); n > 0 && stack[n-1].object {
			if _, isDelim := tok.(json.Delim); !isDelim || skipValue {
				stack[n-1].wantKey = !isKey
			}
		}
		// A closed container is a value of its parent.
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') && !skipValue {
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		}
	}
	return json.RawMessage(out.Bytes()), nil
}
