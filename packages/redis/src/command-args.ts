/**
 * How a value travels to Redis. ioredis writes a command whose arguments are all
 * strings as one string, but one with a `Buffer` argument through a slower
 * buffer-assembly path (measured here at several µs per command). Values written
 * by the facade are mostly UTF-8 text (JSON), so a value that is valid UTF-8 is
 * sent as a string: ioredis encodes it back to exactly the same bytes. Anything
 * else (compressed or encrypted frames, arbitrary binary) is sent as a `Buffer`.
 *
 * Either way the argument is a private copy, so the caller may reuse its array
 * before ioredis writes the command to the socket.
 */

// `fatal`: invalid UTF-8 must not be replaced by U+FFFD (that would change the bytes);
// `ignoreBOM`: a leading byte-order mark is part of the value, not to be stripped.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Above this size a value is always sent as a Buffer: no point building huge strings. */
const MAX_TEXT_BYTES = 64 * 1024;

/** First byte of the facade's framed (compressed/encrypted) entries: binary, never worth decoding. */
const FRAME_MARKER = 0x00;

/** The value as a command argument: a string when it is valid UTF-8 text, else a Buffer copy. */
export function valueArgument(value: Uint8Array): string | Buffer {
  if (value.byteLength > 0 && value.byteLength <= MAX_TEXT_BYTES && value[0] !== FRAME_MARKER) {
    try {
      return strictUtf8.decode(value);
    } catch {
      // Not UTF-8: send the bytes as they are.
    }
  }
  return Buffer.from(value);
}
