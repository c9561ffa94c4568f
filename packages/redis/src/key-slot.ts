/**
 * Redis Cluster hash slots, computed locally so that batch commands can be split
 * into per-slot groups before they are sent (a Cluster rejects a multi-key command
 * whose keys live in different slots with `CROSSSLOT`).
 *
 * The algorithm is the one the Redis Cluster specification defines: CRC16
 * (XMODEM variant: polynomial 0x1021, initial value 0) of the key, or of its hash
 * tag, modulo 16384. It is implemented here rather than imported so the driver
 * depends on nothing but `ioredis` and `@cache/core`; the tests compare it with
 * the server's own `CLUSTER KEYSLOT`.
 */

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
}

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  }
  return crc;
}

/**
 * The hash slot of a key given as its bytes. Honours hash tags: when the key
 * contains `{…}` with at least one byte between the first `{` and the next `}`,
 * only those bytes are hashed.
 */
export function keySlot(key: Uint8Array): number {
  const open = key.indexOf(OPEN_BRACE);
  if (open !== -1) {
    const close = key.indexOf(CLOSE_BRACE, open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) % SLOT_COUNT;
  }
  return crc16(key, 0, key.byteLength) % SLOT_COUNT;
}
