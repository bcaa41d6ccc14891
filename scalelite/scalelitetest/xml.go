package scalelitetest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// writeXML writes a <response> with the given inner XML and HTTP 200.
func writeXML(w http.ResponseWriter, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xmlHeader + "<response>" + inner + "</response>"))
}

// writeFailed writes a BigBlueButton-style FAILED answer with HTTP 200.
func writeFailed(w http.ResponseWriter, key, message string) {
	writeXML(w, "<returncode>FAILED</returncode><messageKey>"+escape(key)+"</messageKey><message>"+escape(message)+"</message>")
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"cannot encode the answer"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeJSONError writes {"error": msg}.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// envelope reads the returncode of a BigBlueButton answer.
type envelope struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
}

// succeeded reports whether body is a <response> with returncode SUCCESS.
func succeeded(body []byte) bool {
	var e envelope
	return xml.Unmarshal(body, &e) == nil && strings.TrimSpace(e.ReturnCode) == "SUCCESS"
}
