import { crc32 } from './crc32.js';

/**
 * The on-disk format of one entry file (version 1), all integers big-endian:
 *
 * ```
 * offset  size  field
 *      0     4  magic 0x89 'C' 'F' 'S' (the high first byte catches text-mode mangling)
 *      4     1  format version (1)
 *      5     3  reserved, zero
 *      8     8  expiresAt: ms since the Unix epoch, 0 = never expires
 *     16     4  key length in bytes
 *     20     8  value length in bytes
 *     28     4  CRC-32 of bytes 0..27, then the key, then the value
 *     32     …  the key (UTF-16LE: lossless for any JS string), then the value
 * ```
 *
 * A reader accepts a file only when the magic, version, lengths (which must add up
 * to the file size exactly) and checksum all agree, and the stored key is the one
 * it asked for; everything else is a miss. Files are written whole to a temp file
 * and renamed into place, so a reader never sees a partial write; the lengths and
 * checksum are there for what rename cannot prevent (a crash without fsync on a
 * filesystem that reorders writes, bit rot, a stranger's file).
 */

/** Size of the fixed header in bytes. */
export const HEADER_BYTES = 32;
/** The format version this package writes and reads. */
export const FORMAT_VERSION = 1;

const MAGIC = Buffer.from([0x89, 0x43, 0x46, 0x53]);
const CRC_OFFSET = 28;

/** Encodes the key as stored in the header (and compared on read). */
export function encodeKey(key: string): Buffer {
  return Buffer.from(key, 'utf16le');
}

/**
 * One whole entry file: header, key, value. Copies `value`, so the caller may
 * reuse its array as soon as this returns.
 */
export function encodeEntry(keyBytes: Buffer, value: Uint8Array, expiresAt: number): Buffer {
  const file = Buffer.allocUnsafe(HEADER_BYTES + keyBytes.length + value.byteLength);
  MAGIC.copy(file, 0);
  file.writeUInt8(FORMAT_VERSION, 4);
  file.fill(0, 5, 8);
  file.writeBigUInt64BE(BigInt(expiresAt), 8);
  file.writeUInt32BE(keyBytes.length, 16);
  file.writeBigUInt64BE(BigInt(value.byteLength), 20);
  keyBytes.copy(file, HEADER_BYTES);
  file.set(value, HEADER_BYTES + keyBytes.length);
  file.writeUInt32BE(checksum(file), CRC_OFFSET);
  return file;
}

/** What a file turned out to hold. */
export type DecodedEntry =
  /** A valid entry for the requested key. `value` is a view into the read buffer. */
  | { readonly kind: 'entry'; readonly value: Uint8Array; readonly expiresAt: number }
  /** A valid entry for another key whose hash collides (or a file copied under the wrong name). */
  | { readonly kind: 'other-key' }
  /** This package's magic and version, but truncated, inconsistent or failing its checksum. */
  | { readonly kind: 'corrupt'; readonly reason: string }
  /** Not this package's file, or another format version: never touched, only ignored. */
  | { readonly kind: 'foreign' };

/** Decodes a whole entry file read for the key whose encoding is `keyBytes`. */
export function decodeEntry(file: Buffer, keyBytes: Buffer): DecodedEntry {
  const header = decodeHeader(file, file.length);
  if (header.kind !== 'header') return header;
  if (file.readUInt32BE(CRC_OFFSET) !== checksum(file))
    return { kind: 'corrupt', reason: 'checksum mismatch' };
  const keyEnd = HEADER_BYTES + header.keyLength;
  if (!keyBytes.equals(file.subarray(HEADER_BYTES, keyEnd))) return { kind: 'other-key' };
  return {
    kind: 'entry',
    value: new Uint8Array(file.buffer, file.byteOffset + keyEnd, header.valueLength),
    expiresAt: header.expiresAt,
  };
}

/** The fixed header of a file, checked against the file's size (but not its checksum). */
export type DecodedHeader =
  | {
      readonly kind: 'header';
      readonly expiresAt: number;
      readonly keyLength: number;
      readonly valueLength: number;
    }
  | { readonly kind: 'corrupt'; readonly reason: string }
  | { readonly kind: 'foreign' };

/**
 * Decodes the first {@link HEADER_BYTES} of a file of `fileSize` bytes. `prune`
 * uses this alone (it needs the expiry, not the value); `get` uses it through
 * {@link decodeEntry}.
 */
export function decodeHeader(head: Buffer, fileSize: number): DecodedHeader {
  if (head.length < MAGIC.length || !MAGIC.equals(head.subarray(0, MAGIC.length))) {
    return fileSize === 0 ? { kind: 'corrupt', reason: 'empty file' } : { kind: 'foreign' };
  }
  if (head.length < HEADER_BYTES) return { kind: 'corrupt', reason: 'truncated header' };
  if (head.readUInt8(4) !== FORMAT_VERSION) return { kind: 'foreign' };
  if (head.readUInt8(5) !== 0 || head.readUInt16BE(6) !== 0)
    return { kind: 'corrupt', reason: 'reserved bits set' };
  const expiresAt = head.readBigUInt64BE(8);
  const keyLength = head.readUInt32BE(16);
  const valueLength = head.readBigUInt64BE(20);
  if (expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: 'corrupt', reason: 'expiry out of range' };
  if (BigInt(HEADER_BYTES + keyLength) + valueLength !== BigInt(fileSize)) {
    return { kind: 'corrupt', reason: 'lengths do not match the file size' };
  }
  return { kind: 'header', expiresAt: Number(expiresAt), keyLength, valueLength: Number(valueLength) };
}

/** Whether an entry expiring at `expiresAt` (0 = never) has expired at `now`. */
export function isExpired(expiresAt: number, now: number): boolean {
  return expiresAt !== 0 && expiresAt <= now;
}

function checksum(file: Buffer): number {
  const head = crc32(file.subarray(0, CRC_OFFSET));
  return crc32(file.subarray(HEADER_BYTES), head);
}
