import { createHash } from 'node:crypto';

/**
 * The two operations that must be atomic on the server and need more than one
 * command: Lua scripts run without interleaving, on a Cluster on the node that
 * owns the key (each script touches exactly one key).
 */

/** Upper bound of the integers a JavaScript number represents exactly (2^53 - 1). */
const MAX_SAFE = '9007199254740991';

/** Error reply of the increment script when the stored value is not a canonical safe integer. */
export const NOT_NUMERIC_REPLY = 'CACHE_NOT_NUMERIC';

/** Error reply of the increment script when the result would leave the safe integer range. */
export const UNSAFE_INTEGER_REPLY = 'CACHE_UNSAFE_INTEGER';

/**
 * The counter rule of `@cache/core` (`COUNTER_PATTERN`), the TTL refresh and
 * `INCRBY` in one atomic step.
 *
 * `INCRBY` alone is close to the rule (it refuses `05`, `-0`, `+5`, spaces) but
 * takes anything up to int64: `"12345678901234567"` would be incremented and read
 * back wrongly by JavaScript. So the script checks the stored value first: `0`, or
 * an optional `-` and digits without a leading zero, whose magnitude is at most
 * 2^53 - 1 (which also limits it to 16 digits). The sum is checked before anything
 * is written (`+` on two safe integers in Lua's doubles is exact whenever the exact
 * sum is safe, and at least 2^53 whenever it is not), so a refused call changes
 * nothing. ARGV: delta, ttl in ms (0 = no expiry).
 */
export const INCREMENT_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local base = 0
if current then
  if current ~= '0' and (#current > 17 or not string.find(current, '^%-?[1-9]%d*$')) then
    return redis.error_reply('${NOT_NUMERIC_REPLY}')
  end
  base = tonumber(current)
  if base > ${MAX_SAFE} or base < -${MAX_SAFE} then
    return redis.error_reply('${NOT_NUMERIC_REPLY}')
  end
end
local sum = base + tonumber(ARGV[1])
if sum > ${MAX_SAFE} or sum < -${MAX_SAFE} then
  return redis.error_reply('${UNSAFE_INTEGER_REPLY}')
end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('PERSIST', KEYS[1])
end
return value
`;

/**
 * Compare-and-delete: deletes the key only when it holds exactly ARGV[1]
 * (Lua strings are binary safe). Returns 1 when it deleted, else 0.
 */
export const DELETE_IF_EQUALS_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** A Lua script with its SHA1, for `EVALSHA` with a fallback to `EVAL`. */
export interface LuaScript {
  /** The source. */
  readonly source: string;
  /** Hex SHA1 of the source, as `SCRIPT LOAD` would return it. */
  readonly sha: string;
}

/** Prepares `source` for `EVALSHA`. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Whether `error` is the server saying it does not know a script's SHA1 (not loaded yet, or flushed). */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
