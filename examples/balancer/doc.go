// Command balancer is a small Scalelite-compatible load balancer: the fake
// Scalelite of package scalelitetest served as a program. Frontends call it
// with the BigBlueButton API at /bigbluebutton/api/ (signed with the balancer
// secret); operators manage the servers with Scalelite's admin API at
// /scalelite/api/ (for example with scalelite.Client). New meetings go to the
// least-loaded enabled, online server, chosen and reserved in one atomic step.
//
// Usage:
//
//	BALANCER_SECRET=... balancer -listen :8080 [-redis 127.0.0.1:6379] [-poll-interval 60s]
//
// The state (servers, loads, meeting placements) lives in memory, or in
// Redis with -redis, where several balancer processes can share it; run the
// poller in only one of them (-poller=false on the others). GET /health
// answers "success" while the state store answers.
//
// The admin API accepts Scalelite's checksum and bbbkit's strong scheme
// (body digest and expiry signed too, see package scalelite);
// -require-strong-auth refuses the former, whose captured requests replay
// for ever with any body.
// The server cuts off slow clients: -read-header-timeout, -read-timeout,
// -write-timeout and -idle-timeout bound each connection, and
// -max-body-readers caps the requests still sending their body (more get
// 503). SIGINT or SIGTERM stop it gracefully within -shutdown-grace.
//
// Exit codes: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when the
// balancer fails, 2 for bad flags.
package main
