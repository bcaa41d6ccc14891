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
//	SCALELITE_SECRET=... exporter -scalelite https://sl.example.org
//
// A server is "[name=]URL,SECRET[,ALGORITHM]"; SECRET "env:NAME" reads the
// secret from the environment variable NAME (keeps it out of the process
// list). A servers file holds one such specification per line, with blank
// lines and # comments. name is the value of the "server" label, which is
// added when more than one server is watched.
//
// With -scalelite the exporter watches the servers of a Scalelite pool:
// every scrape first reads the server list from the admin API (at most a
// quarter of -scrape-timeout), so servers added to the pool appear at the
// next scrape and removed ones disappear. The admin secret comes from
// $SCALELITE_SECRET (or -scalelite-secret, which ps shows). When the list
// cannot be read, the last known list is scraped and the error is logged;
// bbbkit_exporter_scalelite_up and bbbkit_exporter_scalelite_servers, and
// the "scalelite" object of /health, tell how the last read went. Servers
// are named by the host of their URL (by their Scalelite ID when hosts
// repeat), and the server label is always present. A secret refused at
// start ends the exporter with exit code 3. -max-concurrency (default 16)
// bounds the servers asked at once, over the whole pool.
//
// Without -server, -servers-file and -scalelite the exporter starts an embedded fake
// BigBlueButton server (bbbtest) on loopback with a few meetings,
// attendees, a breakout room and recordings, and moves users in and out of
// one meeting every -demo-interval, so that a newcomer sees metrics at once.
//
// Other flags: -checksum (default algorithm), -scrape-timeout, -max-concurrency,
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
// fails, 2 for invalid flags or server specifications, 3 when Scalelite
// refuses the admin secret at start.
package main
