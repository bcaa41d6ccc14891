// Command fakebbb serves the bbbtest fake BigBlueButton server as a
// standalone program, for containers and for tests written in other
// languages.
//
// Usage:
//
//	BBB_SECRET=s3cret fakebbb -listen 127.0.0.1:8090
//
// Flags:
//
//	-listen           address to listen on (default 127.0.0.1:8090)
//	-secret           shared secret (default: $BBB_SECRET; one of them is required)
//	-algorithms       accepted checksum algorithms (default sha1,sha256,sha384,sha512)
//	-publish-delay    time a recording stays "processing" (default 0s)
//	-empty-timeout    time an empty meeting keeps running (default 1m)
//	-webhook-retry    delays between webhook delivery attempts (default 1s,2s,5s,10s,30s)
//	-webhook-checksum algorithm of callback checksums (default sha1)
//	-webhook-bearer   send "Authorization: Bearer <secret>" instead of a checksum
//	-base-url         public URL ending in /bigbluebutton/ (default http://<listen address>/bigbluebutton/)
//	-no-control       disable the /bbbtest/ control endpoints
//	-recordings-dir   write published recordings to this directory as a BBB
//	                  server lays out /var/bigbluebutton/published:
//	                  presentation/<recordID>/metadata.xml, video/webcams.webm, ...
//	                  (removed when unpublished or deleted; serve it with
//	                  "mirror serve" to mirror it over HTTP)
//	-recording-size   approximate size of each recording written there,
//	                  deterministic per record ID (default 2MiB)
//	-hooks-sha1-only  accept only SHA-1 checksums on hooks/*, as bbb-webhooks
//	                  before BBB 3.0 (2.6, 2.7) does
//	-error-redirect-allow URL
//	                  a join with a bad checksum is redirected to its
//	                  errorRedirectUrl only when it starts with one of these
//	                  URLs (repeatable; default none: the server's origin)
//	-stun-server URI  STUN server the stuns call returns (repeatable)
//	-turn-server URI  TURN server the stuns call returns, with coturn REST
//	                  credentials: username "<expiry>:<user>", password
//	                  base64(HMAC-SHA1(secret, username)) (repeatable)
//	-turn-secret      coturn static-auth-secret (default $TURN_SECRET)
//	-turn-ttl         lifetime of TURN credentials (default 24h)
//
// Limits on clients, the same in every bbbkit server program (lengthen
// -read-timeout for big POSTed presentations on slow links):
//
//	-read-header-timeout  time to send a request's headers (default 10s)
//	-read-timeout         time to send a whole request, body included (default 1m)
//	-write-timeout        time to write an answer (default 1m)
//	-idle-timeout         time a kept-alive connection may wait (default 2m)
//	-max-header-bytes     largest request headers and URL (default 262144)
//	-max-body-readers     requests sending a body at once; more get 503 (default 64)
//	-shutdown-grace       time running requests get at shutdown (default 10s)
//
// It serves the BBB API under /bigbluebutton/api/ (hooks/* included),
// answers GET /health with "ok", and logs one line per request (method,
// path, status, duration: never the query string, which carries checksums
// and passwords). SIGINT or SIGTERM shut it down cleanly; exit codes are 0
// after a clean shutdown, 1 when the server fails, 2 for bad flags.
//
// Test controls, for tests that are not written in Go: every request needs
// the header "Authorization: Bearer <secret>"; parameters go in the query
// string or a form body; answers are JSON.
//
//	POST /bbbtest/join     meetingID, fullName, role, userID, clientType, guest,
//	                       listenOnly, voice, video, userdata-<key>
//	POST /bbbtest/leave    meetingID, userID
//	POST /bbbtest/admit-guest  meetingID, userID, allow (a guest waiting under guestPolicy=ASK_MODERATOR)
//	POST /bbbtest/end      meetingID (ends it as if the last user had left)
//	POST /bbbtest/process-recordings   publish recordings still processing
//	POST /bbbtest/fault    call, count, key, message, status, drop, latency
//	POST /bbbtest/clear-faults
//	POST /bbbtest/down     POST /bbbtest/up
//	POST /bbbtest/reset
//	GET  /bbbtest/state
//
// For example, to make a user join from a shell:
//
//	curl -H "Authorization: Bearer $BBB_SECRET" -d meetingID=room1 -d fullName=Alice \
//	     http://127.0.0.1:8090/bbbtest/join
package main
