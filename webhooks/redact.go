package webhooks

import (
	"bytes"
	"encoding/json"

	"github.com/bbbkit/bbbkit/internal/redact"
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
	out, err := redact.JSON(data, secretKeys, Redacted)
	if err != nil {
		return nil
	}
	return out
}
