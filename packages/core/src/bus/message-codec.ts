import { CorruptPayloadError } from '../errors.js';
import type { BusMessage, BusMessageKind } from './bus.js';

/**
 * The one binary format of bus messages, shared by every bus:
 *
 * | size | field |
 * |---|---|
 * | 1 | version (`1`, or `2` when the message carries `sentAt`) |
 * | 1 | kind: 1 evict, 2 clear |
 * | 8 | sequence, float64 big-endian |
 * | 8 | sent at, float64 big-endian ms since epoch (version 2 only) |
 * | 1 + n | sender: length, UTF-8 |
 * | 4 | key count, u32 big-endian |
 * | per key: 4 + n | length u32 big-endian, UTF-8 |
 *
 * Values are never part of a message.
 */
const VERSION = 1;
const VERSION_WITH_TIME = 2;
const KINDS: readonly BusMessageKind[] = ['evict', 'clear'];
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a message for the wire. */
export function encodeBusMessage(message: BusMessage): Uint8Array {
  const sender = encoder.encode(message.sender);
  if (sender.byteLength > 255) throw new RangeError('bus sender id is longer than 255 bytes');
  const keys = message.keys.map((key) => encoder.encode(key));
  const timed = message.sentAt !== undefined;
  const head = timed ? 18 : 10;
  const size = head + 1 + sender.byteLength + 4 + keys.reduce((n, k) => n + 4 + k.byteLength, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = timed ? VERSION_WITH_TIME : VERSION;
  out[1] = KINDS.indexOf(message.kind) + 1;
  view.setFloat64(2, message.sequence, false);
  if (timed) view.setFloat64(10, message.sentAt as number, false);
  out[head] = sender.byteLength;
  out.set(sender, head + 1);
  let offset = head + 1 + sender.byteLength;
  view.setUint32(offset, keys.length, false);
  offset += 4;
  for (const key of keys) {
    view.setUint32(offset, key.byteLength, false);
    out.set(key, offset + 4);
    offset += 4 + key.byteLength;
  }
  return out;
}

/**
 * Decodes a message.
 *
 * @throws {@link CorruptPayloadError} for bytes that are not a message of this version
 */
export function decodeBusMessage(bytes: Uint8Array): BusMessage {
  const fail = (why: string): never => {
    throw new CorruptPayloadError(`bus message ${why}`);
  };
  if (bytes.byteLength < 15) fail('is truncated');
  if (bytes[0] !== VERSION && bytes[0] !== VERSION_WITH_TIME) fail(`has unknown version ${String(bytes[0])}`);
  const timed = bytes[0] === VERSION_WITH_TIME;
  const head = timed ? 18 : 10;
  if (bytes.byteLength < head + 5) fail('is truncated');
  const kind = KINDS[(bytes[1] as number) - 1] ?? fail(`has unknown kind ${String(bytes[1])}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sequence = view.getFloat64(2, false);
  if (!Number.isSafeInteger(sequence) || sequence < 1) fail('has an invalid sequence number');
  const sentAt = timed ? view.getFloat64(10, false) : undefined;
  if (sentAt !== undefined && !Number.isFinite(sentAt)) fail('has an invalid send time');
  const senderLength = bytes[head] as number;
  let offset = head + 1 + senderLength;
  if (bytes.byteLength < offset + 4) fail('is truncated');
  try {
    const sender = decoder.decode(bytes.subarray(head + 1, offset));
    const count = view.getUint32(offset, false);
    offset += 4;
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      if (bytes.byteLength < offset + 4) fail('is truncated');
      const length = view.getUint32(offset, false);
      if (bytes.byteLength < offset + 4 + length) fail('is truncated');
      keys.push(decoder.decode(bytes.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    if (offset !== bytes.byteLength) fail('has trailing bytes');
    return timed ? { sender, sequence, kind, keys, sentAt } : { sender, sequence, kind, keys };
  } catch (error) {
    if (error instanceof CorruptPayloadError) throw error;
    throw new CorruptPayloadError('bus message is not valid UTF-8', { cause: error });
  }
}
