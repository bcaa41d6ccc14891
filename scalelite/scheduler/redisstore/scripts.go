package redisstore

import "github.com/redis/go-redis/v9"

// prelude is shared by every script. ARGV[1] is always the key prefix;
// KEYS[1] is "<prefix>servers", passed only so that a cluster client routes
// the script to the slot of the prefix's hash tag.
//
// A server's load lives in its "avail:<len(site)>:<site>:<tag>" sorted set
// while it accepts meetings (enabled, online, not full), so that Pick can
// bump it with one ZINCRBY; otherwise (and as of the last write outside
// Pick) it lives in the "load" field of its hash. "sites" is the set of
// every site a server ever had, so that Pick can find the sites outside a
// site order. A meeting's
// record is "placed|seen|res" in its server's "smeetings" hash, and
// "meeting:<id>" holds the server ID.
//
// Scripts return servers as {id, HGETALL pairs, load}.
const prelude = `
local P = ARGV[1]
local function skey(id) return P .. 'server:' .. id end
local function akey(tag, site) return P .. 'avail:' .. #site .. ':' .. site .. ':' .. tag end
local function mkey(mid) return P .. 'meeting:' .. mid end
local function smkey(id) return P .. 'smeetings:' .. id end
local FIELDS = {'url', 'secret', 'tag', 'state', 'online', 'mult', 'load', 'meetings', 'users', 'polled', 'healthy', 'unhealthy', 'site', 'cap'}
local function num(v) return tonumber(v or '0') or 0 end
local function fmt(x) return string.format('%.17g', x) end
local function available(s) return s.state == 'enabled' and s.online == '1' end
local function accepting(s) return available(s) and not (s.cap > 0 and s.load >= s.cap) end
local function get(id)
  local h = redis.call('HGETALL', skey(id))
  if #h == 0 then return nil end
  local s = {id = id}
  for i = 1, #h, 2 do s[h[i]] = h[i + 1] end
  s.tag = s.tag or ''
  s.site = s.site or ''
  s.cap = num(s.cap)
  s.load = num(s.load)
  s.mult = num(s.mult)
  if s.mult <= 0 then s.mult = 1 end
  s.healthy = num(s.healthy)
  s.unhealthy = num(s.unhealthy)
  if available(s) then
    local z = redis.call('ZSCORE', akey(s.tag, s.site), id)
    if z then s.load = tonumber(z) end
  end
  return s
end
-- fields lists s as field, value pairs in the order of FIELDS.
local function fields(s)
  local out = {}
  for _, f in ipairs(FIELDS) do
    local v = s[f]
    if v == nil then v = '' end
    if type(v) == 'number' then v = fmt(v) end
    table.insert(out, f)
    table.insert(out, v)
  end
  return out
end
local function put(s)
  redis.call('HSET', skey(s.id), unpack(fields(s)))
  redis.call('SADD', P .. 'sites', s.site)
  if accepting(s) then
    redis.call('ZADD', akey(s.tag, s.site), fmt(s.load), s.id)
  end
end
-- setload stores a changed s.load where it lives: in the avail set while s
-- accepts meetings, else in its hash (s leaves the set when it became full).
local function setload(s)
  if accepting(s) then
    redis.call('ZADD', akey(s.tag, s.site), fmt(s.load), s.id)
  else
    redis.call('ZREM', akey(s.tag, s.site), s.id)
    redis.call('HSET', skey(s.id), 'load', fmt(s.load))
  end
end
local function flat(s) return {s.id, fields(s), fmt(s.load)} end
local function unindex(s) redis.call('ZREM', akey(s.tag, s.site), s.id) end
local function unpackm(v)
  local placed, seen, res = string.match(v or '', '^([^|]*)|([^|]*)|(.*)$')
  return num(placed), seen == '1', num(res)
end
-- clear removes every mapping of s and the pending reservations with them.
local function clear(s)
  local cleared = {}
  local k = smkey(s.id)
  local h = redis.call('HGETALL', k)
  for i = 1, #h, 2 do
    local mid = h[i]
    if redis.call('GET', mkey(mid)) == s.id then
      redis.call('DEL', mkey(mid))
    end
    local _, seen, res = unpackm(h[i + 1])
    if not seen then
      s.load = math.max(s.load - res * s.mult, 0)
    end
    table.insert(cleared, mid)
  end
  redis.call('DEL', k)
  return cleared
end
`

// Return conventions: a script returns {code, ...}; code 0 is success and
// the negative codes are the errors below.
const (
	codeOK             = 0
	codeExisting       = 1
	codeServerNotFound = -1
	codeServerExists   = -2
	codeNoServer       = -3
	codeTagUnavailable = -4
	codeMeetingUnknown = -5
	codeLeaseHeld      = -6
	codeLeaseLost      = -7
)

// leaseCheck, at the top of a script that writes for the poller, refuses
// the write unless the lease "lease" = "<token>|<holder>" is held with the
// token in ARGV[n] ("0": not fenced).
func leaseCheck(n string) string {
	return `
if ARGV[` + n + `] ~= '0' then
  local lv = redis.call('GET', P .. 'lease')
  if not lv or string.match(lv, '^(%d+)|') ~= ARGV[` + n + `] then return {-7} end
end
`
}

// acquireLease: ARGV[2] holder, ARGV[3] ttl (ms). The key "lease" holds
// "<token>|<holder>" with the TTL; "lease:fence" is the last token given.
var acquireLeaseScript = redis.NewScript(`
local P = ARGV[1]
local k = P .. 'lease'
local v = redis.call('GET', k)
if v then
  local tok, h = string.match(v, '^(%d+)|(.*)$')
  if h ~= ARGV[2] then return {-6} end
  redis.call('PEXPIRE', k, ARGV[3])
  return {0, tonumber(tok)}
end
local tok = redis.call('INCR', P .. 'lease:fence')
redis.call('SET', k, tok .. '|' .. ARGV[2], 'PX', ARGV[3])
return {0, tok}
`)

// releaseLease: ARGV[2] holder, ARGV[3] token.
var releaseLeaseScript = redis.NewScript(`
local k = ARGV[1] .. 'lease'
if redis.call('GET', k) == ARGV[3] .. '|' .. ARGV[2] then redis.call('DEL', k) end
return {0}
`)

// addServer: ARGV[2] id, then the values of FIELDS in order.
var addServerScript = redis.NewScript(prelude + `
local id = ARGV[2]
if redis.call('SISMEMBER', P .. 'servers', id) == 1 then return {-2} end
local s = {id = id}
for i, f in ipairs(FIELDS) do s[f] = ARGV[2 + i] end
s.load = num(s.load)
s.mult = num(s.mult)
s.cap = num(s.cap)
s.tag = s.tag or ''
s.site = s.site or ''
redis.call('SADD', P .. 'servers', id)
put(s)
return {0, flat(s)}
`)

// getServer: ARGV[2] id.
var getServerScript = redis.NewScript(prelude + `
local s = get(ARGV[2])
if not s then return {-1} end
return {0, flat(s)}
`)

// listServers: no arguments besides the prefix.
var listServersScript = redis.NewScript(prelude + `
local out = {0}
for _, id in ipairs(redis.call('SMEMBERS', P .. 'servers')) do
  local s = get(id)
  if s then table.insert(out, flat(s)) end
end
return out
`)

// updateServer: ARGV[2] id, then pairs (flag, value) for state, mult,
// secret, tag, site, capacity; flag "1" means set.
var updateServerScript = redis.NewScript(prelude + `
local s = get(ARGV[2])
if not s then return {-1} end
unindex(s)
local cleared = {}
if ARGV[7] == '1' then s.secret = ARGV[8] end
if ARGV[9] == '1' then s.tag = ARGV[10] end
if ARGV[11] == '1' then s.site = ARGV[12] end
if ARGV[13] == '1' then s.cap = tonumber(ARGV[14]) end
if ARGV[5] == '1' then
  local m = tonumber(ARGV[6])
  s.load = s.load / s.mult * m
  s.mult = m
end
if ARGV[3] == '1' then
  s.state = ARGV[4]
  if s.state == 'disabled' then cleared = clear(s) end
end
put(s)
return {0, flat(s), cleared}
`)

// deleteServer: ARGV[2] id.
var deleteServerScript = redis.NewScript(prelude + `
local s = get(ARGV[2])
if not s then return {-1} end
unindex(s)
local cleared = clear(s)
redis.call('DEL', skey(s.id))
redis.call('SREM', P .. 'servers', s.id)
return {0, cleared}
`)

// clearServer: ARGV[2] id, ARGV[3] "1" to disable.
var clearServerScript = redis.NewScript(prelude + `
local s = get(ARGV[2])
if not s then return {-1} end
unindex(s)
local cleared = clear(s)
if ARGV[3] == '1' then s.state = 'disabled' end
put(s)
return {0, flat(s), cleared}
`)

// pick: ARGV[2] meeting ID, ARGV[3] "1" if required, ARGV[4] reservation
// units, ARGV[5] now (unix ms), ARGV[6] number of primary groups, then the
// primary groups, then the number of fallback groups and the fallback
// groups, then the number of sites in the site order and the sites. This is
// the hot path: it does without the prelude and returns the server as {id,
// values of pickFields, load}.
var pickScript = redis.NewScript(`
local P = ARGV[1]
local mid = ARGV[2]
local function akey(tag, site) return P .. 'avail:' .. #site .. ':' .. site .. ':' .. tag end
local function server(id)
  return redis.call('HMGET', P .. 'server:' .. id, 'url', 'secret', 'tag', 'state', 'online', 'mult', 'meetings', 'users', 'polled', 'site', 'cap')
end
local sid = redis.call('GET', P .. 'meeting:' .. mid)
if sid then
  local v = server(sid)
  if v[1] then
    local load = redis.call('HGET', P .. 'server:' .. sid, 'load') or '0'
    if v[4] == 'enabled' and v[5] == '1' then
      load = redis.call('ZSCORE', akey(v[3] or '', v[10] or ''), sid) or load
    end
    return {1, {sid, v, load}}
  end
  redis.call('DEL', P .. 'meeting:' .. mid)
end
local np = tonumber(ARGV[6])
local nf = tonumber(ARGV[7 + np])
local ns = tonumber(ARGV[8 + np + nf])
local order, listed = {}, {}
for i = 9 + np + nf, 8 + np + nf + ns do
  table.insert(order, ARGV[i])
  listed[ARGV[i]] = true
end
local others = nil
local bid, bload, bkey = nil, nil, nil
local function best(from, n, sites)
  for _, site in ipairs(sites) do
    for i = from, from + n - 1 do
      local k = akey(ARGV[i], site)
      local r = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
      if #r == 2 then
        local l = tonumber(r[2])
        if bid == nil or l < bload or (l == bload and r[1] < bid) then
          bid, bload, bkey = r[1], l, k
        end
      end
    end
  end
end
local function choose(from, n)
  for _, site in ipairs(order) do
    best(from, n, {site})
    if bid then return end
  end
  if not others then
    others = {}
    for _, site in ipairs(redis.call('SMEMBERS', P .. 'sites')) do
      if not listed[site] then table.insert(others, site) end
    end
  end
  best(from, n, others)
end
choose(7, np)
if not bid then
  if ARGV[3] == '1' then return {-4} end
  choose(8 + np, nf)
  if not bid then return {-3} end
end
local v = server(bid)
local mult = tonumber(v[6] or '1') or 1
if mult <= 0 then mult = 1 end
local load = redis.call('ZINCRBY', bkey, string.format('%.17g', tonumber(ARGV[4]) * mult), bid)
local cap = tonumber(v[11] or '0') or 0
if cap > 0 and tonumber(load) >= cap then
  redis.call('ZREM', bkey, bid)
  redis.call('HSET', P .. 'server:' .. bid, 'load', load)
end
redis.call('SET', P .. 'meeting:' .. mid, bid)
redis.call('HSET', P .. 'smeetings:' .. bid, mid, ARGV[5] .. '|0|' .. ARGV[4])
return {0, {bid, v, load}}
`)

// lookup: ARGV[2] meeting ID.
var lookupScript = redis.NewScript(prelude + `
local sid = redis.call('GET', mkey(ARGV[2]))
if not sid then return {-5} end
local s = get(sid)
if not s then return {-5} end
return {0, flat(s)}
`)

// release: ARGV[2] meeting ID.
var releaseScript = redis.NewScript(prelude + `
local mid = ARGV[2]
local sid = redis.call('GET', mkey(mid))
if not sid then return {-5} end
redis.call('DEL', mkey(mid))
local v = redis.call('HGET', smkey(sid), mid)
redis.call('HDEL', smkey(sid), mid)
local _, seen, res = unpackm(v)
if v and not seen then
  local s = get(sid)
  if s then
    s.load = math.max(s.load - res * s.mult, 0)
    setload(s)
  end
end
return {0, sid}
`)

// addLoad: ARGV[2] server ID, ARGV[3] units.
var addLoadScript = redis.NewScript(prelude + `
local s = get(ARGV[2])
if not s then return {-1} end
if available(s) then
  s.load = math.max(s.load + tonumber(ARGV[3]) * s.mult, 0)
  setload(s)
end
return {0}
`)

// meetingIDs: ARGV[2] server ID.
var meetingIDsScript = redis.NewScript(prelude + `
if redis.call('EXISTS', skey(ARGV[2])) == 0 then return {-1} end
return {0, redis.call('HKEYS', smkey(ARGV[2]))}
`)

// applyPoll: ARGV[2] server ID, ARGV[3] "1" if OK, ARGV[4] now (unix ms),
// ARGV[5] pending cutoff (unix ms), ARGV[6] load units, ARGV[7] users,
// ARGV[8] healthy threshold, ARGV[9] unhealthy threshold, ARGV[10] the
// lease token ("0": not fenced), ARGV[11..] the meeting IDs. Returns {0,
// flags, server, cleared, adopted} where flags is {wentOnline, wentOffline,
// disabled}.
var applyPollScript = redis.NewScript(prelude + leaseCheck("10") + `
local s = get(ARGV[2])
if not s then return {-1} end
unindex(s)
local on, off, dis = 0, 0, 0
local cleared, adopted = {}, {}
local now = ARGV[4]
if ARGV[3] ~= '1' then
  s.healthy = 0
  if s.online == '1' then
    s.unhealthy = s.unhealthy + 1
    if s.unhealthy >= tonumber(ARGV[9]) then
      s.online = '0'
      s.healthy, s.unhealthy = 0, 0
      off = 1
      cleared = clear(s)
      s.load = 0
    end
  end
else
  local n = #ARGV - 10
  s.unhealthy = 0
  s.meetings = n
  s.users = ARGV[7]
  s.polled = now
  if s.online ~= '1' then
    s.healthy = s.healthy + 1
    if s.healthy >= tonumber(ARGV[8]) then
      s.online = '1'
      s.healthy, s.unhealthy = 0, 0
      on = 1
    end
  end
  if s.online ~= '1' then
    s.load = 0
  else
    local pending, npending = 0, 0
    if s.state ~= 'disabled' then
      -- The server's mapping records, read once: a reported meeting that
      -- has a record here is mapped to this server (clear, release and
      -- adoption keep "meeting:<id>" and the records in step), so the
      -- steady state costs one HGETALL and no writes per meeting.
      local sk = smkey(s.id)
      local h = redis.call('HGETALL', sk)
      local recs = {}
      for i = 1, #h, 2 do recs[h[i]] = h[i + 1] end
      local seen = {}
      for i = 11, #ARGV do
        local mid = ARGV[i]
        if not seen[mid] then
          seen[mid] = true
          local rec = recs[mid]
          if rec == nil then
            if not redis.call('GET', mkey(mid)) then
              redis.call('SET', mkey(mid), s.id)
              redis.call('HSET', sk, mid, now .. '|1|0')
              table.insert(adopted, mid)
            end
          else
            local _, wasSeen = unpackm(rec)
            if not wasSeen then redis.call('HSET', sk, mid, now .. '|1|0') end
          end
        end
      end
      local cutoff = tonumber(ARGV[5])
      for mid, rec in pairs(recs) do
        if not seen[mid] then
          local placed, wasSeen, res = unpackm(rec)
          if redis.call('GET', mkey(mid)) ~= s.id then
            redis.call('HDEL', sk, mid)
          elseif wasSeen or placed < cutoff then
            redis.call('DEL', mkey(mid))
            redis.call('HDEL', sk, mid)
            table.insert(cleared, mid)
          else
            pending = pending + res
            npending = npending + 1
          end
        end
      end
      if s.state == 'cordoned' and n == 0 and npending == 0 then
        s.state = 'disabled'
        dis = 1
      end
    end
    s.load = (tonumber(ARGV[6]) + pending) * s.mult
  end
end
put(s)
return {0, {on, off, dis}, flat(s), cleared, adopted}
`)
