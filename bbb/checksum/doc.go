// Package checksum signs and verifies BigBlueButton API requests.
//
// BigBlueButton authenticates every API call with a checksum computed as
//
//	hex(H(callName + query + sharedSecret))
//
// where query is the raw query string without the checksum parameter and H is
// SHA-1, SHA-256, SHA-384 or SHA-512. The server picks H from the length of the
// checksum it receives (40, 64, 96 or 128 hexadecimal digits), so a signer must
// hash exactly the bytes it sends and a verifier must work on the raw query as
// received, never on decoded and re-encoded values.
//
// The package only depends on the standard library.
package checksum
