/**
 * Stores a task result unless a SUCCESS is already stored (Celery's rule, `_store_result`), then publishes it on
 * the key's channel, atomically. Returns 1 when stored, 0 when an existing SUCCESS was kept.
 */
const STORE_ONE_RESULT_LUA = `
local function store_result(key, value, ttl_ms)
  local current = redis.call('GET', key)
  if current then
    local ok, meta = pcall(cjson.decode, current)
    if ok and type(meta) == 'table' and meta.status == 'SUCCESS' then return 0 end
  end
  local ttl = tonumber(ttl_ms)
  if ttl and ttl > 0 then
    redis.call('SET', key, value, 'PX', ttl)
  else
    redis.call('SET', key, value)
  end
  redis.call('PUBLISH', key, value)
  return 1
end
`;

/** One result. KEYS: meta key. ARGV: value, ttl ms ('0' = no expiry). Returns 1 (stored) or 0 (SUCCESS kept). */
export const STORE_RESULT_LUA = `${STORE_ONE_RESULT_LUA}
return store_result(KEYS[1], ARGV[1], ARGV[2])
`;

/**
 * Many results in one call (a busy worker's stores of one round trip): one script run on the server instead of
 * one per result. KEYS: meta keys. ARGV: value, ttl ms for each key in turn. Returns, per key, 1 or 0 as
 * STORE_RESULT_LUA, or the error text of that key's store (the others still happen).
 */
export const STORE_RESULTS_LUA = `${STORE_ONE_RESULT_LUA}
local replies = {}
for i = 1, #KEYS do
  local ok, reply = pcall(store_result, KEYS[i], ARGV[2 * i - 1], ARGV[2 * i])
  if ok then
    replies[i] = reply
  else
    replies[i] = type(reply) == 'table' and tostring(reply.err) or tostring(reply)
  end
end
return replies
`;

/**
 * One finished chord part, Celery's `on_chord_part_return` in one atomic step: ZADD the encoded part to `.j`
 * scored by its group index, compare the count with `.s` + `.t` (or the size the caller passes when `.s` is
 * missing; with neither, the part is recorded and the chord waits), refresh the expiry, and when the chord is
 * complete read every part and delete the keys, so exactly
 * one caller sees it complete. tq additions, invisible to Celery: `.tqp` maps task id → member so a part reported
 * again (a re-run task) replaces its earlier member instead of counting twice, and `.tqdone` remembers the
 * completion for a while: the completing task reporting again (its reply was lost) gets the same answer, any
 * other late part changes nothing.
 * KEYS: .j, .t, .s, .tqp, .tqdone. ARGV: member, score, ttl ms ('0' = none), size when `.s` is missing ('' = none),
 * task id, tombstone ttl ms.
 * Returns {0, count} or {1, count, {member, score, ...}}.
 */
export const CHORD_PART_LUA = `
local done = redis.call('GET', KEYS[5])
if done then
  local ok, record = pcall(cjson.decode, done)
  if ok and type(record) == 'table' and record.task == ARGV[5] and type(record.parts) == 'table' then
    return {1, #record.parts / 2, record.parts}
  end
  return {0, 0}
end
local previous = redis.call('HGET', KEYS[4], ARGV[5])
if previous and previous ~= ARGV[1] then redis.call('ZREM', KEYS[1], previous) end
redis.call('HSET', KEYS[4], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local ready = redis.call('ZCARD', KEYS[1])
local diff = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local ttl = tonumber(ARGV[3])
if ttl and ttl > 0 then
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
local size = redis.call('GET', KEYS[3])
if size == false then size = ARGV[4] end
size = tonumber(size)
-- Celery 5.2 clients set .s only when they publish the last header task: parts finishing earlier are recorded
-- and counted once it is there.
if size == nil then return {0, ready} end
if ready >= size + diff then
  local parts = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
  redis.call('SET', KEYS[5], cjson.encode({task = ARGV[5], parts = parts}), 'PX', tonumber(ARGV[6]))
  return {1, ready, parts}
end
return {0, ready}
`;
