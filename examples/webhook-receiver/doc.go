// Command webhook-receiver receives bbb-webhooks callbacks and prints one
// JSON line per accepted event on standard output:
//
//	{"type":"user-joined","meeting":"room-1","timestamp":"2025-11-26T10:00:00.123Z","data":{…}}
//
// where data is the event as received, with meeting passwords and session
// tokens replaced by "[REDACTED]" (unless -show-secrets is given). Refused
// deliveries print nothing on standard output; they are logged on standard
// error (without secrets) and answered with the status bbb-webhooks expects:
// 401 for failed authentication, 400 malformed, 413 too large, 415 wrong
// content type. Retried deliveries are printed once (-dedup), and deliveries
// stamped longer ago than -max-age (default 7m: bbb-webhooks' retry window
// plus clock skew) are refused with 401, so an old capture cannot be
// replayed.
//
// Usage:
//
//	webhook-receiver -listen :8090 -secret "$BBB_SECRET" \
//	    -callback-url https://portal.example.org/bbb/events
//
// The secret can also come from the BBB_SECRET environment variable, which
// keeps it out of the process list. -callback-url must be the URL exactly as
// registered with hooks/create. GET /healthz answers 200 for probes.
//
// With -pool FILE it serves a whole pool of servers: FILE lists one
// server a line as "ID API-URL SECRET" and is re-read every -pool-interval
// (default 1m). The hook is registered on every listed server at
// -callback-url/ID (a server added to the file gets it at the next
// interval, a hook a server dropped is registered again), and each callback
// is verified with the secret of the server its path names:
//
//	webhook-receiver -pool servers.txt -callback-url https://portal.example.org/hooks
//
// With -redis ADDR the receiver loses nothing across restarts and
// replicas (package webhooks/durable): each verified event is stored in
// Redis Streams before the sender gets its 200 (503 while Redis is
// unreachable, so bbb-webhooks retries), and printed from there, once,
// after which it is acknowledged. Replicas given the same Redis and
// -redis-prefix share the work and the de-duplication; when one dies,
// another prints what it had not finished after -redis-lease (10s). Each
// line then carries "entry", the event's identity in Redis: an event whose
// replica died between printing and acknowledging is printed again with
// the same entry, so a consumer of the lines can drop the repeat.
//
// With -attendance-dir DIR it also writes an attendance report (package
// webhooks/attendance) of every ended meeting into DIR, one file per
// meeting named after its internal meeting ID: JSON, or CSV with
// -attendance-format csv. -attendance-pseudonyms removes names and hashes
// user IDs with the key in BBB_ATTENDANCE_KEY.
//
// With -gapfill INTERVAL it polls getMeetings on the pool's servers (or
// the -bbb-url server) and prints, marked "synthesized":true, the
// meeting-created, user-joined, user-left and meeting-ended events that
// never arrived (package webhooks/gapfill), so that a meeting that ended
// while callbacks failed still ends, and gets its attendance report.
//
// Slow clients are cut off: -read-timeout and -write-timeout (30s each),
// -read-header-timeout, -idle-timeout and -max-body-readers (requests still
// sending their body at once; more get 503) bound what a client can hold.
//
// Exit codes: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when serving
// fails, 2 for invalid flags.
package main
