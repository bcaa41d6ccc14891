// Package redact is the one redactor of bbbkit: every URL, server-supplied
// message, body snippet and log value that may carry a credential passes
// through it before it reaches an error, a log record or a panic.
//
// A credential is the value of a parameter whose name ends in checksum,
// token, password, pass, pw or secret (case-insensitive: checksum,
// sessionToken, session_token, auth_token, password, attendeePW,
// moderatorPW, viewer-pass, secret, ...), wherever a server may echo it:
//
//	?checksum=…  &checksum=…  &amp;checksum=…  \u0026checksum=…
//	checksum%3D…  checksum%253D…  checksum\u003d…  checksum&#61;…
//	"checksum":"…"  \"checksum\":\"…\"  <checksum>…</checksum>  checksum="…"
//
// plus any value the caller knows to be secret (the shared secret, the
// checksum it just computed, a password it sent), in its plain,
// percent-encoded, HTML-escaped and JSON-escaped forms.
//
// JSON redacts the values of chosen keys in a JSON document while keeping
// the document valid, for logging events.
package redact
