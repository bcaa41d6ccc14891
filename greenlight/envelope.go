package greenlight

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Limits on what an error envelope may contribute to an error message.
const (
	maxErrorCodes   = 20
	maxErrorCodeLen = 200
)

// envelope is Greenlight's answer: {"data": ..., "meta": ..., "errors": ...}.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Meta   json.RawMessage `json:"meta"`
	Errors json.RawMessage `json:"errors"`
}

// Page is the pagination block ("meta", produced by pagy) of list answers.
type Page struct {
	Page  int `json:"page"`  // current page, from 1
	Pages int `json:"pages"` // number of pages
	Count int `json:"count"` // number of items over all pages
	Items int `json:"items"` // items per page
	Next  int `json:"next"`  // next page, 0 when this is the last
	Prev  int `json:"prev"`  // previous page, 0 on the first
}

// decodeEnvelope parses an answer body. It accepts exactly one JSON object;
// anything else is an error. Codes is the normalised "errors" member.
func decodeEnvelope(body []byte) (env envelope, codes []string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return envelope{}, nil, err
	}
	if dec.More() {
		return envelope{}, nil, errors.New("trailing data after the JSON object")
	}
	codes, err = parseErrorCodes(env.Errors)
	if err != nil {
		return envelope{}, nil, err
	}
	return env, codes, nil
}

// parseErrorCodes normalises Greenlight's "errors", which is a string
// ("EmailAlreadyExists"), an array of strings, an ActiveModel errors hash
// ({"name":["can't be blank"]}) or absent, into a bounded list of strings.
func parseErrorCodes(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("errors member: %w", err)
	}
	var out []string
	add := func(s string) {
		if s == "" || len(out) >= maxErrorCodes {
			return
		}
		if len(s) > maxErrorCodeLen {
			s = s[:maxErrorCodeLen] + "…"
		}
		out = append(out, s)
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			add(scalarText(e))
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch m := t[k].(type) {
			case []any:
				for _, e := range m {
					add(k + " " + scalarText(e))
				}
			default:
				add(k + " " + scalarText(m))
			}
		}
	default:
		add(scalarText(t))
	}
	return out, nil
}

// scalarText renders a decoded JSON value as short text.
func scalarText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return t.String()
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// decodeData unmarshals the "data" member into out (nil out skips it).
func (e envelope) decodeData(out any) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(e.Data)) == 0 {
		return errors.New(`missing "data" member`)
	}
	return json.Unmarshal(e.Data, out)
}

// decodePage unmarshals "meta" when present.
func (e envelope) decodePage() (Page, error) {
	var p Page
	m := bytes.TrimSpace(e.Meta)
	if len(m) == 0 || bytes.Equal(m, []byte("null")) {
		return p, nil
	}
	if err := json.Unmarshal(m, &p); err != nil {
		return Page{}, fmt.Errorf("meta member: %w", err)
	}
	return p, nil
}
