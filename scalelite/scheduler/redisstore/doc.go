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
// The Store is also a scheduler.LeaseStore (the poller lease of
// scheduler.WithLease: a key with a TTL on Redis's clock and a counter of
// fencing tokens; the applyPoll script refuses a write whose token is not
// the current lease's, inside the script, so a paused old leader cannot
// write), a scheduler.TenantStore (tenants live in Redis next to the
// servers), a scheduler.MeetingTenantStore (which tenant created which
// meeting) and a scheduler.ScaleHistoryStore (when each site was last scaled,
// for the cooldowns of an autoscaler shared by replicas).
//
// Key layout, with P the prefix:
//
//	P servers             set of server IDs
//	P server:<id>         hash: url, secret, tag, state, online, mult, load,
//	                      meetings, users, polled (unix ms), healthy, unhealthy,
//	                      site, cap
//	P avail:<n>:<site>:<tag>  sorted set of the accepting (enabled, online, not
//	                      full) servers of one site (n is its length in bytes)
//	                      and tag, scored by load. While a server accepts
//	                      meetings its load lives here, so that Pick bumps it
//	                      with ZINCRBY.
//	P sites               set of every site a server had ("" included)
//	P meeting:<meetingID> string: the ID of the server holding the meeting
//	P smeetings:<id>      hash: meeting ID -> "placed|seen|reservation" for
//	                      the meetings of server <id>
//	P lease               string "<token>|<holder>" with the lease's TTL
//	P lease:fence         the last fencing token handed out
//	P tenants             set of tenant IDs
//	P tenant:<id>         hash: name, secrets and sites (JSON lists)
//	P tenant_name:<name>  string: the ID of the tenant with that lower-case name
//	P meeting_tenant:<meetingID>  string: the ID of the tenant that created
//	                      the meeting ("" for none), with a 30-day TTL
//	P scale:<site>        hash: out and in, when the site was last scaled out
//	                      and drained by an autoscaler (unix ms)
package redisstore
