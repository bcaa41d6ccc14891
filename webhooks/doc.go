// Package webhooks talks to bbb-webhooks, the BigBlueButton component that
// POSTs meeting, user, chat, poll and recording events to registered URLs.
//
// # Registering hooks
//
// Client calls the hooks API (hooks/create, hooks/destroy, hooks/list) of a
// BigBlueButton server through a bbb.Client, so the call names are signed as
// "hooks/create" and so on, with any of the four checksum algorithms. Hook
// IDs are opaque strings (integers in bbb-webhooks 2.x, UUIDs in 3.x).
// bbb-webhooks before BigBlueButton 3.0 verifies SHA-1 checksums only, 3.x
// those in its supportedChecksumAlgorithms (all four by default): Client
// signs with the bbb.Client's algorithm and, after a checksumError, retries
// the call once with SHA-1 and keeps SHA-1 for later calls if the server
// accepted it. WithChecksum picks the algorithm instead, with no fallback.
// bbb-webhooks deletes a hook whose callbacks keep failing for about five
// minutes; Client.Ensure keeps a hook registered until its context ends.
//
// # Receiving callbacks
//
// Handler is an http.Handler for the callback URL. bbb-webhooks 3.4 and
// later sign each delivery with
//
//	checksum = hex(H(callbackURL + body + sharedSecret))
//
// appended to the callback URL as ?checksum= (or &checksum=), where
// callbackURL is the string registered with hooks/create, body the raw
// application/x-www-form-urlencoded request body and H SHA-1 by default
// (SHA-256/384/512 if configured; Handler picks it from the length). With
// bbb-webhooks' auth2_0 setting the request instead carries
// "Authorization: Bearer <sharedSecret>" (see WithBearer). bbb-webhooks 3.0
// to 3.3 sent a constant checksum that does not cover the body; Handler
// accepts it only with WithLegacyChecksum, and then the body is
// unauthenticated.
//
// The body has the fields domain, timestamp (milliseconds) and event, a JSON
// array of events. Handler decodes it into a Delivery of typed Events: every
// mapped event of bbb-webhooks 3.x (meeting-*, user-*, user-audio-*,
// user-cam-*, user-presenter-*, chat-*, poll-*, pad-content,
// transcript-updated and the rap-* recording events) and raw events of hooks
// created with getRaw. Each Event keeps its original JSON.
//
// Handler answers 2xx only after the DeliveryFunc returned nil, so an event
// is never acknowledged before the application has it; 401 when
// authentication fails (bbb-webhooks treats 401 as delivered and does not
// retry); 400, 413 and 415 for malformed, oversized and wrongly typed bodies;
// 500 when the DeliveryFunc fails, so that bbb-webhooks retries. WithDedup
// absorbs the retries of a delivery that was accepted but whose answer the
// sender did not see, and deliveries stamped more than DefaultMaxAge ago
// (bbb-webhooks' whole retry schedule plus clock skew) are refused as stale
// (401, ErrStale), so an old capture cannot be replayed (WithMaxAge,
// WithoutMaxAge). Handler.Stats and WithObserver expose counters for
// metrics.
//
// bbb-webhooks 3.x sends every event on its own and retries each
// independently, so events can arrive out of order: order them by
// Event.Timestamp.
package webhooks
