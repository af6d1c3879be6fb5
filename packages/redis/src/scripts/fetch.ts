/**
 * The atomic fetch. One call moves due delayed messages into their lists, then pops up to `count` messages from
 * the queues' priority lists (kombu's order: every queue's first bucket, then the next bucket, ...) and records
 * each one in `unacked` + `unacked_index` exactly as kombu's QoS.append does, all inside one script. A message
 * is therefore always in a list or in `unacked`, never in neither: a worker killed at any instant loses nothing.
 *
 * The unacked record is built by string concatenation, `[<envelope as stored>, "", "<queue>"]`, so the envelope
 * bytes are kept exactly (cjson would reformat numbers). It names the default exchange and the queue the message
 * was taken from, so a restore (kombu's or tq's) puts it back where it was, without re-routing it through an
 * exchange's bindings (which could copy it into several queues). Records and scores are written with one HSET and
 * one ZADD per fetch. Values that are not kombu envelopes are
 * moved to the queue's dead-letter list in the same script and reported. A list key of the wrong type is renamed
 * aside (`<key>.wrongtype.<ms>`) so the queue works again for Python and tq, and reported.
 *
 * KEYS: unacked, unacked_index, inflight record, unroutable list, then per queue: delayed zset, dead list, bucket
 *       lists (one per priority step).
 * ARGV: count, now (unix seconds, kombu's score), now (ms), queue count, step count, fetch id, inflight ttl (ms),
 *       delayed move limit, queue names...
 * Returns: { {queueIndex, tag, raw, ...}, {queueIndex, raw, ...} moved aside, nextDueMs|false, {error strings} }
 */
export const FETCH_LUA = `
local count = tonumber(ARGV[1])
local nowScore = ARGV[2]
local nowMs = tonumber(ARGV[3])
local nq = tonumber(ARGV[4])
local ns = tonumber(ARGV[5])
local fetchId = ARGV[6]
local inflightTtl = tonumber(ARGV[7])
local moveLimit = tonumber(ARGV[8])
local stride = 2 + ns
local errors = {}

local function keytype(key)
  return redis.call('TYPE', key)['ok']
end
local t = keytype(KEYS[1])
if t ~= 'hash' and t ~= 'none' then return {{}, {}, false, {'WRONGTYPE\\n' .. KEYS[1] .. '\\n' .. t}} end
t = keytype(KEYS[2])
if t ~= 'zset' and t ~= 'none' then return {{}, {}, false, {'WRONGTYPE\\n' .. KEYS[2] .. '\\n' .. t}} end

local function moveAside(key)
  local aside = key .. '.wrongtype.' .. nowMs
  redis.call('RENAME', key, aside)
  table.insert(errors, 'WRONGTYPE\\n' .. key .. '\\n' .. aside)
end

local function pushDead(q, raw)
  local ok = redis.pcall('LPUSH', KEYS[4 + (q - 1) * stride + 2], raw)
  if type(ok) == 'table' and ok.err then redis.call('LPUSH', KEYS[4], raw) end
end

-- The delivery tag, found without decoding the whole envelope: kombu and tq write properties last and
-- delivery_tag as their last key, so the last '"delivery_tag":' near the end is it. Anything unusual (escapes, a
-- different layout) is decoded properly with cjson. Returns nil for values that are not envelopes.
local function tagOf(raw)
  local from = #raw - 512
  if from < 1 then from = 1 end
  local stop
  local i = from
  while true do
    local a, b = string.find(raw, '"delivery_tag":', i, true)
    if not a then break end
    stop = b
    i = b + 1
  end
  if stop then
    local q1 = string.find(raw, '"', stop + 1, true)
    if q1 and q1 - stop <= 4 then
      local q2 = string.find(raw, '"', q1 + 1, true)
      if q2 then
        local tag = string.sub(raw, q1 + 1, q2 - 1)
        if tag ~= '' and not string.find(tag, '\\\\', 1, true) then return tag end
      end
    end
  end
  local ok, env = pcall(cjson.decode, raw)
  if ok and type(env) == 'table' and type(env.properties) == 'table' then
    local tag = env.properties.delivery_tag
    if type(tag) == 'string' and tag ~= '' then return tag end
  end
  return nil
end

local nextDue = false
local nextDueText = false
for q = 1, nq do
  local dkey = KEYS[4 + (q - 1) * stride + 1]
  local due = redis.pcall('ZRANGEBYSCORE', dkey, '-inf', nowMs, 'LIMIT', 0, moveLimit)
  if type(due) == 'table' and due.err then
    moveAside(dkey)
  else
    for _, member in ipairs(due) do
      local colon = string.find(member, ':', 1, true)
      local bucket = colon and tonumber(string.sub(member, 1, colon - 1))
      if bucket and bucket >= 0 and bucket < ns then
        local ok = redis.pcall('LPUSH', KEYS[4 + (q - 1) * stride + 3 + bucket], string.sub(member, colon + 1))
        if type(ok) == 'table' and ok.err then pushDead(q, string.sub(member, colon + 1)) end
      else
        pushDead(q, member)
      end
      redis.call('ZREM', dkey, member)
    end
    local first = redis.call('ZRANGE', dkey, 0, 0, 'WITHSCORES')
    if first[2] then
      local score = tonumber(first[2])
      if nextDue == false or score < nextDue then
        nextDue = score
        nextDueText = first[2]
      end
    end
  end
end

local items = {}
local bad = {}
local tags = {}
local records = {}
local scores = {}
local taken = 0
for s = 1, ns do
  for q = 1, nq do
    if taken >= count then break end
    local lkey = KEYS[4 + (q - 1) * stride + 2 + s]
    local popped = redis.pcall('RPOP', lkey, count - taken)
    if type(popped) == 'table' and popped.err then
      moveAside(lkey)
    elseif popped then
      local suffix = ', "", ' .. cjson.encode(ARGV[8 + q]) .. ']'
      for _, raw in ipairs(popped) do
        local tag = tagOf(raw)
        if tag then
          taken = taken + 1
          records[2 * taken - 1] = tag
          records[2 * taken] = '[' .. raw .. suffix
          scores[2 * taken - 1] = nowScore
          scores[2 * taken] = tag
          tags[taken] = tag
          items[3 * taken - 2] = q
          items[3 * taken - 1] = tag
          items[3 * taken] = raw
        else
          pushDead(q, raw)
          table.insert(bad, q)
          table.insert(bad, raw)
        end
      end
    end
  end
end
if taken > 0 then
  redis.call('HSET', KEYS[1], unpack(records))
  redis.call('ZADD', KEYS[2], unpack(scores))
  redis.call('SET', KEYS[3], fetchId .. '\\n' .. table.concat(tags, '\\n'), 'PX', inflightTtl)
end
return {items, bad, nextDueText, errors}
`;
