// Package httpcore is the one HTTP client core under every bbbkit client
// (bbb, scalelite, greenlight, webhooks, and mirror's HTTP source): request
// building, a per-attempt timeout, the response size cap, redaction of
// secrets in URLs and server-supplied text, scrubbing of net/http's
// *url.Error (which carries the signed URL), retries of idempotent calls
// with full-jitter backoff, a rate limit, slog logging and a per-attempt
// observer. It also holds the one error family those clients share.
//
// # How a public client builds on it
//
// A client keeps a Config, fills in its defaults (Service names it in
// errors and logs), and turns each transport option into a one-line wrapper
// around the Option of the same name here, so the option is validated in
// one place and a bad value is a *ParamError from the constructor:
//
//	type Option func(*Client) error
//
//	func transport(o httpcore.Option) Option {
//		return func(c *Client) error { return o(&c.cfg) }
//	}
//
//	func WithTimeout(d time.Duration) Option { return transport(httpcore.Timeout(d)) }
//
// After the options ran, New(cfg) gives the *Client the package sends with.
// Each call builds a Request (the URL it signed, the call name, whether a
// repeat is harmless, which statuses it decodes itself) and sends it with
// Do (whole body) or Stream (body as a capped stream, for downloads). The
// package decodes the Response, builds its own API error with every
// server-supplied string passed through Response.Redact, and ends with
// Response.Done(err), which reports the attempt to the observer and the log
// with its real outcome. Public error types are aliases of the ones here
// (type TransportError = httpcore.TransportError), so errors.As with a
// *bbb.HTTPError matches an error of any bbbkit client.
//
// # One name per concept
//
// Every package uses these names; a reader who learned one package knows
// the others.
//
//	concept                              name
//	-------------------------------------------------------------------------
//	HTTP client                          WithHTTPClient(*http.Client)
//	per-attempt timeout                  WithTimeout(time.Duration)
//	retries of idempotent calls          WithRetry(RetryPolicy), DefaultRetryPolicy
//	client-side rate limit               WithRateLimit(*rate.Limiter)
//	logging (redacted)                   WithLogger(*slog.Logger)
//	per-attempt observer (metrics)       WithObserver(func(RequestInfo))
//	response size cap                    WithMaxResponseBytes(int64)
//	User-Agent header                    WithUserAgent(string)
//	algorithm a client signs with        WithChecksum(checksum.Algorithm)
//	algorithms a server accepts          WithAcceptedChecksums(algs...)
//	time source                          WithClock(func() time.Time)
//	no HTTP answer                       *TransportError  (bbb., scalelite., greenlight.)
//	unexpected status (proxy page)       *HTTPError
//	unreadable answer, size cap          *DecodeError, ErrResponseTooLarge
//	bad argument or option               *ParamError
//	refusal by the API                   *bbb.Error, *scalelite.Error, *greenlight.APIError,
//	                                     matched with errors.Is and package sentinels
//	fake server, for tests               NewServer(opts...) *Server (panics on a bad option)
//	fake server, for programs            New(opts...) (*Server, error)
//	fake server root, shutdown           Server.URL, Server.Close()
//	fake server's HTTP client            Server.Client() *http.Client
//	absolute http(s) URL check           ParseAbsoluteURL
//	redaction                            internal/redact: String, URL, Query, JSON
package httpcore
