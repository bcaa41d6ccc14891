// Package scalelite is a client for the Scalelite load balancer's admin API
// (/scalelite/api/*): the servers it balances over and, with multitenancy,
// its tenants.
//
// Every call is signed with the balancer secret (LOADBALANCER_SECRET) the way
// Scalelite checks it: checksum = hex(H(action + query + secret)), where the
// query is the exact query string sent (only getServerInfo and getTenantInfo
// have one) and H is SHA-256 by default. POST bodies are JSON, sent with
// Content-Type application/json, and are not covered by the checksum.
//
// Scalelite reports failures in two ways, and the client turns both into a
// *Error that works with errors.Is:
//
//   - authentication and content-type failures are BigBlueButton-style XML
//     with HTTP 200 (returncode FAILED, messageKey checksumError or
//     unsupportedContentType): ErrChecksum, ErrUnsupportedContentType;
//   - business failures are JSON with a 4xx status ({"error": ...} or
//     {"message": ...}): ErrNotFound (404), ErrInvalid (400, 422) and
//     ErrMultitenancyDisabled (412).
//
// An answer that is neither (an HTML page from a proxy) is an *HTTPError, a
// request that got no answer a *TransportError, and a malformed success a
// *DecodeError: the types every bbbkit client returns (aliases of bbb's). No
// error, log line or String method ever contains the balancer secret, a
// server or tenant secret, or a checksum, even when the balancer echoes the
// request: its messages pass through bbbkit's one redactor.
//
// New takes the options of every bbbkit client (bbb.WithTimeout,
// bbb.WithRetry for the read-only actions, bbb.WithRateLimit,
// bbb.WithObserver for metrics.ClientMetrics, bbb.WithChecksum, ...).
//
// New servers start disabled, as in Scalelite: add a server, then enable it
// with EnableServer (or UpdateServer). A server's load is a number once the
// poller has measured it and "unavailable" before that (Load.Known is false).
//
// The fake Scalelite in package scalelitetest serves this API (and the
// BigBlueButton API in front of the servers) for tests.
package scalelite
