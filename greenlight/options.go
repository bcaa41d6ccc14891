package greenlight

import "github.com/bbbkit/bbbkit/bbb"

// Option configures a Client: the options of every bbbkit client
// (bbb.WithHTTPClient, bbb.WithTimeout, bbb.WithRetry, bbb.WithRateLimit,
// bbb.WithLogger, bbb.WithObserver, bbb.WithMaxResponseBytes,
// bbb.WithUserAgent). WithHTTPClient keeps hc's cookie jar when it has one;
// otherwise the client works on a copy of hc with its own jar. WithRetry
// retries reads (GET); writes are tried once. Greenlight's API is not
// signed, so bbb.WithChecksum is refused.
type Option = bbb.Option
