package bbb

import (
	"encoding/xml"
	"fmt"
)

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
