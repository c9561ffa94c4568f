import calculateSlot from 'cluster-key-slot';

/**
 * Redis Cluster hash slots, computed locally so that batch commands can be split
 * into per-slot groups before they are sent (a Cluster rejects a multi-key command
 * whose keys live in different slots with `CROSSSLOT`).
 *
 * The computation is `cluster-key-slot`, the implementation ioredis itself routes
 * commands with, so the store's grouping and ioredis' routing can never disagree.
 * The tests compare it with the server's own `CLUSTER KEYSLOT`.
 */

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

/**
 * The hash slot of a key, given as a string (hashed as UTF-8) or as its bytes.
 * Honours hash tags: when the key contains `{…}` with at least one byte between the
 * first `{` and the next `}`, only those bytes are hashed.
 */
export function keySlot(key: string | Uint8Array): number {
  return calculateSlot(
    typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength),
  );
}
