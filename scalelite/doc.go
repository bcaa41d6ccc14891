// Package scalelite is a client for the Scalelite load balancer's admin API
// (/scalelite/api/*): the servers it balances over and, with multitenancy,
// its tenants.
//
// Every call is signed with the balancer secret (LOADBALANCER_SECRET) the way
// Scalelite checks it: checksum = hex(H(action + query + secret)), where the
// query is the exact query string sent (without the checksum parameter) and H
// is SHA-256 by default. POST bodies are JSON, sent with Content-Type
// application/json.
//
// # Authentication
//
// Scalelite's checksum covers the action and the query only, not the body,
// and never expires: one captured updateServer?checksum=… can be replayed for
// ever with any body (to disable every server, or add a rogue one). Client
// therefore signs with a strong scheme by default: it appends two parameters
// to the query before signing it,
//
//	bodySHA256=<hex(SHA-256(body as sent)), lower-case; of no bytes without a body>
//	expires=<Unix seconds, now + DefaultAuthValidity>
//
// and signs with Scalelite's formula, so the exact string hashed is
//
//	action + query + "bodySHA256=" + digest + "&expires=" + seconds + secret
//
// where query is the call's own encoded parameters followed by "&" (nothing
// when it has none), for example "updateServer" +
// "bodySHA256=<64 hex digits>&expires=1767225600" + secret, or
// "getServerInfo" + "id=bbb1&bodySHA256=e3b0c442…b855&expires=1767225600" +
// secret (the digest of an empty body). The request goes out as
// ?<that query>&checksum=<hex>.
//
// Scalelite itself accepts such a request: it hashes the raw query as
// received minus the checksum parameter (ApiHelper#verify_checksum) and its
// admin actions read only the parameters they know, so the extra two are
// signed but ignored there. bbbkit's balancer (scalelitetest, served by
// examples/balancer) and VerifyAdminQuery also check them: a request whose
// expires has passed is refused, so a captured request replays for
// DefaultAuthValidity at most, and a body whose digest differs from
// bodySHA256 is refused, so a captured request cannot carry another body. A
// verifier refuses an expires more than MaxAuthValidity ahead. Requests
// without the two parameters (Scalelite's own scheme) are still accepted
// unless the balancer requires the strong scheme
// (scalelitetest.WithRequireStrongAuth, balancer -require-strong-auth).
// WithLegacyAuth makes Client sign Scalelite's way, for a proxy that drops
// unknown parameters; the strong scheme needs the client's and the
// balancer's clocks within a few minutes of each other.
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
// bbbkit's balancer (examples/balancer) extends the API, and Client speaks
// the extensions: "site" and "capacity" in a server's JSON, GetCapacity
// (free capacity per site), DrainServer (cordon, wait until empty, remove)
// and GetScalePlan (the autoscaling plan as it would be made now).
// Scalelite itself does not know the two fields and answers the three calls with
// ErrUnsupportedRequest.
//
// The fake Scalelite in package scalelitetest serves this API (and the
// BigBlueButton API in front of the servers) for tests.
package scalelite
