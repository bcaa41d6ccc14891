// Package bbb is a typed client for the BigBlueButton API (2.6, 2.7 and
// 3.0), and for Scalelite, which serves the same API in front of a pool of
// servers.
//
// A Client signs every request with the server's shared secret (SHA-256 by
// default; SHA-1, SHA-384 and SHA-512 with WithChecksum), escapes parameters
// exactly like Java's URLEncoder and sends the signed string verbatim, so
// the server hashes the bytes the client hashed.
//
// Parameters are structs (CreateMeetingParams, JoinParams,
// GetRecordingsParams, ...) with Meta and UserData maps for meta_* and
// userdata-* parameters and an Extra url.Values for parameters newer than
// this package. Answers are typed: <metadata> and <customdata> become maps,
// counts tolerate "1,000", empty times are zero. Elements this package has
// no field for are kept in Extra (Meeting, Attendee, Recording,
// PlaybackFormat, APIVersion), and Do calls anything else, XML or JSON.
// Every answer's messageKey and message reach the caller: typed results
// embed Answer, other calls fill one through CaptureAnswer.
//
// Errors are typed: a FAILED answer is an *Error whose Key is the server's
// messageKey, matched with errors.Is against ErrNotFound, ErrChecksum and the
// other sentinels (also the refusals bbb-web sends without a messageKey,
// known by call and message); informational keys (duplicateWarning,
// noMeetings, noRecordings, sentEndMeetingRequest) are success. A request
// that got no
// answer is a *TransportError, an unexpected HTTP status (a proxy's HTML
// page) an *HTTPError, an unreadable answer a *DecodeError. No error, log
// record or panic of this package contains the secret, a checksum or a
// session token.
//
// Package bbbtest provides a fake server for tests.
package bbb
