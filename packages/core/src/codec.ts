import { utf8 } from './bytes.js';
import { CorruptPayloadError, InvalidValueError } from './errors.js';

/**
 * Turns values into bytes and back. The default is {@link jsonCodec}.
 *
 * A codec's output must not begin with the byte `0x00`: that byte marks a framed
 * entry (compressed, encrypted, or carrying helper metadata). JSON text never
 * begins with it.
 */
export interface Codec {
  /** Name, for error messages. */
  readonly name: string;
  /** Encodes a value. Throw for values the codec cannot represent. */
  encode(value: unknown): Uint8Array;
  /** Decodes bytes this codec produced. Throw for anything else. */
  decode(bytes: Uint8Array): unknown;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON as UTF-8: interoperable and readable with every backend's own tools.
 *
 * What round-trips: strings, finite numbers, booleans, `null`, plain arrays and
 * objects. What does not: `Date` comes back as its ISO string, `Map`/`Set` as `{}`,
 * `Uint8Array` as an object of indices, `NaN`/`Infinity` as `null`, object keys
 * whose value is `undefined` disappear, and `BigInt` cannot be encoded at all
 * ({@link InvalidValueError}). Use `getBytes`/`setBytes` for binary data, or plug
 * in a codec that handles richer types.
 */
export const jsonCodec: Codec = {
  name: 'json',
  encode(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new InvalidValueError(`value cannot be encoded as JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (text === undefined)
      throw new InvalidValueError(`value of type ${typeof value} cannot be encoded as JSON`);
    return utf8(text);
  },
  decode(bytes: Uint8Array): unknown {
    try {
      return JSON.parse(decoder.decode(bytes));
    } catch (error) {
      throw new CorruptPayloadError('stored bytes are not valid UTF-8 JSON', { cause: error });
    }
  },
};
