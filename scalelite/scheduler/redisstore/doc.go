// Package redisstore is a scheduler.Store kept in Redis, so that several
// processes (API replicas behind one Scalelite-like front) share one view of
// servers, loads and meeting placements.
//
// Every Store method is one Lua script run with EVALSHA (falling back to
// EVAL when the script is not cached), so Pick is one round trip and atomic
// across processes: choosing the least-loaded server and reserving capacity
// on it cannot interleave with another process's Pick.
//
// All keys start with a prefix (WithPrefix, default DefaultPrefix), so
// several clusters or tests can share one Redis. Meeting mappings have no
// TTL: they are removed when a poll shows the meeting is gone, when the
// meeting is released, or when its server goes offline, is disabled or is
// deleted. Redis persistence (RDB or AOF) should be enabled in production.
//
// The scripts compute key names from the prefix, which is fine for a single
// Redis or a Sentinel setup. For Redis Cluster, put a hash tag in the prefix
// (for example "{bbbkit}:") so that every key lives in one slot.
//
// Key layout, with P the prefix:
//
//	P servers             set of server IDs
//	P server:<id>         hash: url, secret, tag, state, online, mult, load,
//	                      meetings, users, polled (unix ms), healthy, unhealthy
//	P avail:<tag>         sorted set of the available (enabled and online)
//	                      servers of one tag, scored by load; the untagged
//	                      group is "P avail:". While a server is available its
//	                      load lives here, so that Pick bumps it with ZINCRBY.
//	P meeting:<meetingID> string: the ID of the server holding the meeting
//	P smeetings:<id>      hash: meeting ID -> "placed|seen|reservation" for
//	                      the meetings of server <id>
package redisstore
