// Command exporter is a Prometheus exporter for BigBlueButton servers that
// drops in for greenstatic/bigbluebutton-exporter: same metric names, types
// and labels (see package metrics for the few differences), any checksum
// algorithm, several servers per process, and recording counts cached so
// a scrape never waits on a huge getRecordings listing.
//
// Usage:
//
//	exporter                                   # embedded fake BBB with demo meetings
//	exporter -server https://bbb1.example.org/bigbluebutton/,env:BBB1_SECRET
//	exporter -server bbb1=https://bbb1.example.org/bigbluebutton/,SECRET,sha512 \
//	         -server bbb2=https://bbb2.example.org/bigbluebutton/,env:BBB2_SECRET
//	exporter -servers-file /etc/bbb-exporter/servers.txt -recordings-interval 10m
//
// A server is "[name=]URL,SECRET[,ALGORITHM]"; SECRET "env:NAME" reads the
// secret from the environment variable NAME (keeps it out of the process
// list). A servers file holds one such specification per line, with blank
// lines and # comments. name is the value of the "server" label, which is
// added when more than one server is watched.
//
// Without -server and -servers-file the exporter starts an embedded fake
// BigBlueButton server (bbbtest) on loopback with a few meetings,
// attendees, a breakout room and recordings, and moves users in and out of
// one meeting every -demo-interval, so that a newcomer sees metrics at once.
//
// Other flags: -checksum (default algorithm), -scrape-timeout,
// -request-timeout, -no-recordings, -room-*-buckets (like
// ROOM_*_CUSTOM_BUCKETS), -server-label, -ca-file and
// -insecure-skip-verify (like TLS_VERIFY), -process-metrics, -v; run with
// -h for the list. The exporter also exposes bbbkit_client_* request
// metrics for every server. The limits on clients (-read-header-timeout,
// -read-timeout, -write-timeout, which must exceed -scrape-timeout,
// -idle-timeout, -max-header-bytes, -max-body-readers, -shutdown-grace) are
// those of every bbbkit server program.
//
// Endpoints: GET /metrics (Prometheus text or OpenMetrics), GET /health
// (200 with a JSON status of every server as of the last scrape; the
// exporter is healthy even when a BBB server is not — see bbb_api_up).
//
// Exit codes: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when serving
// fails, 2 for invalid flags or server specifications.
package main
