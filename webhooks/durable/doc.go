// Package durable makes a bbb-webhooks receiver lose nothing across
// restarts and replicas, with Redis Streams between the HTTP handler and
// the application.
//
// bbb-webhooks discards an event once its retries (about five minutes)
// ran out, and a receiver that acknowledged an event it then lost in a
// crash never sees it again. With a Queue, the webhooks.Handler's
// DeliveryFunc is Queue.Deliver: it appends each verified event to a Redis
// stream before the sender gets its 200, and answers an error (503 behind
// Queue.Wrap) while Redis is unreachable, so that the sender retries.
// Queue.Consume then hands the events to the application through a
// consumer group:
//
//   - at least once: an event is acknowledged only after the application's
//     function returned nil, and offered again after a failure;
//   - de-duplicated between replicas: an event's identity (Identity) is
//     remembered in Redis for a window, so a retry reaching any replica is
//     stored once;
//   - in order per meeting: events are spread over partition streams by
//     meeting, each consumed by one replica at a time under a lease; the
//     replicas share the partitions evenly;
//   - re-claimed: when a replica dies, another takes its partitions once
//     its lease ran out and claims (XAUTOCLAIM) what it had read but not
//     acknowledged.
//
// When the acknowledgement fails (Redis went away just then), the process
// remembers the event and acknowledges it later without handing it over
// again. A process that dies after the application took an event but
// before the acknowledgement reached Redis has the event offered again to
// whichever replica takes over: make the application idempotent, or accept
// that rare duplicate. Without Redis, a
// webhooks.Handler with WithDedup is the in-memory receiver for a single
// process.
package durable
