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
// Every client takes the same options: bbb.Option is an alias of Option,
// and bbb's WithHTTPClient, WithTimeout, WithRetry, WithRateLimit,
// WithLogger, WithObserver, WithMaxResponseBytes, WithUserAgent and
// WithChecksum are one-line wrappers around the constructors here, written
// once. scalelite.Option and greenlight.Option are aliases of bbb.Option,
// and webhooks.New passes its options to bbb.New. A constructor fills in
// its defaults (Service names the client in errors and logs), validates
// the options with Config.Apply, refuses what it cannot honour (greenlight
// signs nothing, so WithChecksum is an error there), and keeps New(cfg).
// An option only one package has (scalelite's WithLegacyAuth) is built with
// Own and changes the client under construction, which the constructor puts
// in Config.Own; every other client refuses it:
//
//	func WithLegacyAuth() Option {
//		return httpcore.Own("WithLegacyAuth", func(c *Client) error { c.auth.legacy = true; return nil })
//	}
//
//	cfg := httpcore.Config{Service: "scalelite", Timeout: DefaultTimeout, ...}
//	c := &Client{...}
//	cfg.Own = c
//	if err := cfg.Apply(opts); err != nil {
//		return nil, err
//	}
//	c.http = httpcore.New(cfg)
//
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
//	options of every client              bbb.Option (= scalelite.Option = greenlight.Option)
//	HTTP client                          bbb.WithHTTPClient(*http.Client)
//	per-attempt timeout                  bbb.WithTimeout(time.Duration)
//	retries of idempotent calls          bbb.WithRetry(RetryPolicy), bbb.DefaultRetryPolicy
//	client-side rate limit               bbb.WithRateLimit(*rate.Limiter)
//	logging (redacted)                   bbb.WithLogger(*slog.Logger)
//	per-attempt observer (metrics)       bbb.WithObserver(func(bbb.RequestInfo))
//	response size cap                    bbb.WithMaxResponseBytes(int64)
//	User-Agent header                    bbb.WithUserAgent(string)
//	algorithm a client signs with        bbb.WithChecksum(checksum.Algorithm)
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
//	typed clients of a fake              Server.BBBClient(), Server.AdminClient()
//	absolute http(s) URL check           ParseAbsoluteURL
//	redaction                            internal/redact: String, URL, Query, JSON
package httpcore
