package xmlx

import (
	"encoding/xml"
	"errors"
	"io"
)

// ErrUnexpectedEOF is returned when a document ends inside an element.
var ErrUnexpectedEOF = errors.New("xmlx: unexpected end of document")

// Children calls fn for every child element of the element whose start tag
// was just read, with the child's local name. fn must consume the child
// completely (with Text, Map, d.Skip or its own walk); if it returns without
// doing so, the rest of the child is skipped. Children returns after the
// parent's end tag.
func Children(d *xml.Decoder, fn func(start xml.StartElement) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return eof(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// Text reads the character data of the element whose start tag was just
// read, up to and including its end tag, and returns it trimmed of
// surrounding white space. Text inside nested elements is ignored (the nested
// elements are skipped), CDATA sections count as text.
func Text(d *xml.Decoder) (string, error) {
	// Token's CharData is only valid until the next call, so it is copied
	// into a buffer that stays on the stack for short values.
	var stack [128]byte
	buf := stack[:0]
	for {
		tok, err := d.Token()
		if err != nil {
			return "", eof(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			buf = append(buf, t...)
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return "", eof(err)
			}
		case xml.EndElement:
			return trimString(buf), nil
		}
	}
}

// Map reads an element whose children have arbitrary names, such as
// <metadata><bbb-origin>greenlight</bbb-origin></metadata>, into a map from
// child name to trimmed text. An element without children yields a nil map.
func Map(d *xml.Decoder) (map[string]string, error) {
	var m map[string]string
	err := Children(d, func(start xml.StartElement) error {
		v, err := Text(d)
		if err != nil {
			return err
		}
		if m == nil {
			m = make(map[string]string, 8)
		}
		m[start.Name.Local] = v
		return nil
	})
	return m, err
}

// trimString converts b to a string without the surrounding white space,
// copying only the part that is kept.
func trimString(b []byte) string {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return string(b[i:j])
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func eof(err error) error {
	var se *xml.SyntaxError
	if errors.Is(err, io.EOF) || errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return ErrUnexpectedEOF
	}
	return err
}
