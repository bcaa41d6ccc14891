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
// Redis with -redis, where several balancer processes can share it. With
// -redis every replica may run the poller: a Redis lease (-lease-holder
// names the process, by default host name and PID) makes one of them poll at
// a time, another takes over within two poll intervals when it dies or
// pauses, and the lease's fencing token, checked inside Redis, refuses the
// writes of a paused old leader. GET /health answers "success" while the
// state store answers.
//
// Sites and capacity (bbbkit extensions of the admin API: "site" and
// "capacity" in addServer, updateServer and getServers; getCapacity;
// drainServer): -site-order a,b sends new meetings to the least-loaded
// accepting server of site a, then b; a create's meta_bbbkit-site-order=b,a
// overrides it for that meeting.
//
// -servers servers.yaml reconciles a declared pool (Scalelite's servers:sync
// shape, servers by ID with url, secret, state, load_multiplier, tag, site,
// capacity) into the store at start and on SIGHUP; -servers-mode says what
// happens to servers it does not list (keep, cordon, force), and
// -servers-dry-run prints the changes and exits, so losing Redis loses no
// configuration.
//
// -scale-policy policy.yaml sets an autoscaling policy (package
// scheduler/autoscale): the signed admin call getScalePlan (bbbkit
// extension, scalelite.Client's GetScalePlan, bbbctl scale) answers with the
// plan as it would be made now. With -scale-hook CMD as well, the replica
// that polls runs CMD (sh -c) with the plan as JSON on its standard input
// whenever the plan has actions. With -redis the cooldowns live in Redis,
// so a replica that takes over does not repeat its predecessor's
// scale-out. The file scale-hook-openstack.sh beside this program is an
// example hook for OpenStack's CLI.
//
// -metrics-listen 127.0.0.1:9101 serves Prometheus metrics at /metrics on
// a second address: the scheduler's placements and polls, each server's
// state, load, meetings and users, the capacity per site and in total
// (bbbkit_scheduler_site_*, bbbkit_scheduler_cluster_*) and, with a policy,
// the autoscaling plan (bbbkit_autoscale_*). The gauges are read from the
// store at scrape time, so every replica reports the same values.
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
