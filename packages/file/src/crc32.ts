import * as zlib from 'node:zlib';

/**
 * CRC-32 (the zlib/PNG polynomial) used to detect bit rot and zero-filled blocks
 * in entry files. Node ≥ 20.15 has a native `zlib.crc32`; older 20.x releases
 * (the package supports ≥ 20.10) get the table-driven fallback below, which
 * computes the identical checksum.
 */

type Crc32 = (data: Uint8Array, initial?: number) => number;

const native = (zlib as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;

function fallbackTable(): Uint32Array {
  if (table !== undefined) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function fallbackCrc32(data: Uint8Array, initial = 0): number {
  const t = fallbackTable();
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data`, continuing from `initial` (the CRC of the preceding bytes). */
export const crc32: Crc32 = native === undefined ? fallbackCrc32 : (data, initial) => native(data, initial);

/** The fallback implementation, exported for tests that compare it with the native one. */
export const portableCrc32: Crc32 = fallbackCrc32;
