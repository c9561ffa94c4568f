import { createHash } from 'node:crypto';

/**
 * The two operations that must be atomic on the server and need more than one
 * command: Lua scripts run without interleaving, on a Cluster on the node that
 * owns the key (each script touches exactly one key).
 */

/** Upper bound of the integers a JavaScript number represents exactly (2^53 - 1). */
const MAX_SAFE = '9007199254740991';

/** Error reply the increment script returns when the result would leave the safe integer range. */
export const UNSAFE_INTEGER_REPLY = 'CACHE_UNSAFE_INTEGER';

/**
 * `INCRBY` and the TTL refresh in one atomic step. `INCRBY` itself rejects a value
 * that is not a decimal integer ("ERR value is not an integer or out of range").
 * A result outside ±(2^53 - 1) is undone before the script returns, so a counter
 * never holds a value JavaScript would read back wrongly and nobody ever sees it.
 * ARGV: delta, ttl in ms (0 = no expiry).
 */
export const INCREMENT_SCRIPT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value > ${MAX_SAFE} or value < -${MAX_SAFE} then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('${UNSAFE_INTEGER_REPLY}')
end
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
