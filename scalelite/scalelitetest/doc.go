// Package scalelitetest is a fake Scalelite: the BigBlueButton API that
// frontends call, placed on BigBlueButton servers by a scheduler.Scheduler,
// and the /scalelite/api admin API that package scalelite's Client drives.
// It is meant for tests of frontends and tooling (with bbb/bbbtest servers as
// the workers) and, served by examples/balancer, as a small balancer of its
// own.
//
// The BigBlueButton front behaves like Scalelite:
//
//   - create is placed by the scheduler (an existing meeting stays where it
//     is; a new one goes to the least-loaded enabled, online server allowed
//     by meta_server-tag) and forwarded, signed with that server's own
//     secret; the server's answer is returned verbatim. A create that fails
//     on the server releases the placement.
//   - join answers 302 with the server's signed join URL and adds one user
//     to the server's load until the next poll.
//   - end forgets the meeting and forwards; isMeetingRunning answers false
//     for an unknown meeting without asking any server; getMeetingInfo
//     answers notFound for an unknown meeting.
//   - getMeetings asks every online, enabled or cordoned server at once and
//     merges the answers; getRecordings does the same with every online
//     server, and with offset or limit pages over the union in a stable
//     order with the right totalElements; a server that fails is left out
//     (and logged) instead of failing the whole call.
//   - insertDocument goes to the meeting's server; publishRecordings,
//     updateRecordings and deleteRecordings go to every online server and
//     answer SUCCESS when one of them did.
//   - everything else answers unsupportedRequest.
//
// Checksums are verified with checksum.Verify against the balancer secret,
// or, with WithMultitenancy, against the secrets of the tenant named by the
// first DNS label of the Host header. Unlike Scalelite, a host that names no
// tenant falls back to the balancer secret (Scalelite refuses it, see
// Scalelite issue 968).
//
// The admin API answers like Scalelite 1.6+: XML with HTTP 200 for checksum
// and content-type failures, JSON with 4xx statuses otherwise. Unlike
// Scalelite, adding or enabling a server polls it at once, so it takes
// meetings without waiting for the next poll round; disabling or deleting a
// server forgets its meetings (the scheduler guarantees no mapping points at
// a server that cannot hold it).
//
// Admin requests are verified with scalelite.VerifyAdminQuery before their
// body is read: Scalelite's own checksum is accepted unless
// WithRequireStrongAuth, and a request signed with the strong scheme
// (bodySHA256 and expires in the signed query, what scalelite.Client sends)
// is refused once expired or when its body differs from the signed digest,
// with a checksumError whose message says which.
//
// bbbkit extensions of the admin API: "site" and "capacity" in a server's
// JSON, getCapacity (free capacity per site and in total), drainServer
// (cordon, wait until empty, delete; with a deadline) and, with
// WithAutoscaler, getScalePlan (the autoscaling plan as it would be made
// now). Scalelite answers unsupportedRequest to the three calls.
//
// Tenants, and which tenant created which meeting, live in the scheduler's
// store when it can hold them (scheduler.MemoryStore, redisstore), so that
// replicas sharing a Redis enforce the same isolation.
package scalelitetest
