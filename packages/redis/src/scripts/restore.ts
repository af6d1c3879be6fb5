/**
 * Is the unacked record still the one this process fetched? tq's records are `[<envelope as stored>, ...]`, so
 * `sha1:<length>:<hex>` of the envelope identifies them. A record rewritten by another fetch of the same tag (after
 * a restore) no longer matches, and a late ack or reject must then leave it alone.
 */
const OWNS = `
local function owns(current, expected)
  if expected == '' or current == expected then return true end
  if string.sub(expected, 1, 5) ~= 'sha1:' then return false end
  local colon = string.find(expected, ':', 6, true)
  local length = tonumber(string.sub(expected, 6, colon - 1))
  return redis.sha1hex(string.sub(current, 2, 1 + length)) == string.sub(expected, colon + 1)
end
`;

/**
 * Puts unacked messages back into lists, one compare-and-move per message (kombu does the same in a WATCH
 * transaction per tag). The expected value is an exact record (restores read it first), `sha1:<len>:<hex>` of the
 * envelope this process fetched, or '' (the tag is unacked at all). A tag missing from `unacked` only loses its
 * index entry, as in kombu.
 *
 * KEYS: unacked, unacked_index, then one target list per message.
 * ARGV: per message: tag, expected, envelope to push, 'L' (LPUSH: back of the line) or 'R' (RPUSH: consumed next).
 * Returns: per message 1 (moved) or 0.
 */
export const RESTORE_LUA = `${OWNS}
local out = {}
local n = #KEYS - 2
for i = 1, n do
  local base = (i - 1) * 4
  local tag = ARGV[base + 1]
  local expected = ARGV[base + 2]
  local current = redis.call('HGET', KEYS[1], tag)
  local moved = 0
  if current == false then
    redis.call('ZREM', KEYS[2], tag)
  elseif owns(current, expected) then
    redis.call('HDEL', KEYS[1], tag)
    redis.call('ZREM', KEYS[2], tag)
    if ARGV[base + 4] == 'L' then
      redis.call('LPUSH', KEYS[2 + i], ARGV[base + 3])
    else
      redis.call('RPUSH', KEYS[2 + i], ARGV[base + 3])
    end
    moved = 1
  end
  out[i] = moved
end
return out
`;

/**
 * Ack of a message whose lease may have run out: remove it only if the record is still this fetch's.
 * KEYS: unacked, unacked_index. ARGV: pairs of tag, `sha1:<len>:<hex>`. Returns how many were removed.
 */
export const OWNED_ACK_LUA = `${OWNS}
local removed = 0
for i = 1, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if current == false then
    redis.call('ZREM', KEYS[2], ARGV[i])
  elseif owns(current, ARGV[i + 1]) then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
    removed = removed + 1
  end
end
return removed
`;

/** redis-py's Lock release: delete the mutex only if we still own it. KEYS: mutex. ARGV: token. */
export const RELEASE_MUTEX_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;
