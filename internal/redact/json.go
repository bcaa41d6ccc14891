package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
)

// JSON re-emits the JSON document data compactly, key order kept, with the
// value of every member whose key is in keys (at any depth, whatever the
// value's type) replaced by the string mask. data must be valid JSON.
func JSON(data []byte, keys []string, mask string) (json.RawMessage, error) {
	r := &jsonRedactor{dec: json.NewDecoder(bytes.NewReader(data)), keys: keys, mask: mask}
	r.dec.UseNumber()
	r.enc = json.NewEncoder(&r.out)
	r.enc.SetEscapeHTML(false)
	for {
		tok, err := r.dec.Token()
		if err == io.EOF {
			return json.RawMessage(r.out.Bytes()), nil
		}
		if err != nil {
			return nil, err
		}
		if err := r.token(tok); err != nil {
			return nil, err
		}
	}
}

// jsonFrame is one open object or array.
type jsonFrame struct {
	object  bool
	wantKey bool // in an object: the next token is a key
	n       int  // members or elements written so far
}

// jsonRedactor holds the state of one JSON call.
type jsonRedactor struct {
	dec        *json.Decoder
	enc        *json.Encoder
	out        bytes.Buffer
	keys       []string
	mask       string
	stack      []jsonFrame
	redactNext bool // the next value belongs to a secret key
}

// token writes one token with the separator before it.
func (r *jsonRedactor) token(tok json.Token) error {
	delim, isDelim := tok.(json.Delim)
	closing := isDelim && (delim == '}' || delim == ']')
	isKey := false
	if n := len(r.stack); n > 0 {
		f := &r.stack[n-1]
		isKey = f.object && f.wantKey
		if !closing && (!f.object || f.wantKey) {
			if f.n > 0 {
				r.out.WriteByte(',')
			}
			f.n++
		}
	}
	if !isKey && r.redactNext {
		r.redactNext = false
		return r.maskValue(delim, isDelim)
	}
	if isDelim {
		r.delim(delim)
		return nil
	}
	if err := r.scalar(tok, isKey); err != nil {
		return err
	}
	if n := len(r.stack); n > 0 && r.stack[n-1].object {
		r.stack[n-1].wantKey = !isKey
	}
	return nil
}

// maskValue writes the mask for a secret value, skipping a nested object
// or array whole.
func (r *jsonRedactor) maskValue(delim json.Delim, isDelim bool) error {
	if isDelim {
		for depth := 1; depth > 0; {
			t, err := r.dec.Token()
			if err != nil {
				return err
			}
			switch t {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
	}
	if err := r.writeString(r.mask); err != nil {
		return err
	}
	r.valueDone()
	return nil
}

// delim opens or closes a container.
func (r *jsonRedactor) delim(d json.Delim) {
	r.out.WriteByte(byte(d))
	switch d {
	case '{':
		r.stack = append(r.stack, jsonFrame{object: true, wantKey: true})
	case '[':
		r.stack = append(r.stack, jsonFrame{})
	default:
		r.stack = r.stack[:len(r.stack)-1]
		r.valueDone() // a closed container is a value of its parent
	}
}

// valueDone makes the enclosing object expect a key again.
func (r *jsonRedactor) valueDone() {
	if n := len(r.stack); n > 0 && r.stack[n-1].object {
		r.stack[n-1].wantKey = true
	}
}

// scalar writes a string, number, boolean or null; a key is followed by
// ':' and arms redactNext when it names a secret.
func (r *jsonRedactor) scalar(tok json.Token, isKey bool) error {
	switch t := tok.(type) {
	case string:
		if err := r.writeString(t); err != nil {
			return err
		}
		if isKey {
			r.out.WriteByte(':')
			r.redactNext = slices.Contains(r.keys, t)
		}
	case json.Number:
		r.out.WriteString(t.String())
	case bool:
		if t {
			r.out.WriteString("true")
		} else {
			r.out.WriteString("false")
		}
	case nil:
		r.out.WriteString("null")
	default:
		return errors.New("redact: unexpected JSON token")
	}
	return nil
}

func (r *jsonRedactor) writeString(s string) error {
	if err := r.enc.Encode(s); err != nil {
		return err
	}
	r.out.Truncate(r.out.Len() - 1) // Encode adds a newline
	return nil
}
