/**
 * DynamoDB's item size rule, for checking values *before* sending them.
 *
 * An item may be at most 400 KB (409,600 bytes), counting for every attribute
 * the UTF-8 length of its name plus the size of its value (strings: UTF-8
 * bytes; binary: bytes; numbers: up to 21 bytes).
 */

/** DynamoDB's item size cap in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Upper bound of the size of a number attribute value. */
export const MAX_NUMBER_BYTES = 21;

/**
 * Room reserved for everything but the value when advertising
 * `capabilities.maxValueBytes`: a prefix and key of up to 1 KiB each plus the
 * expiry attributes fit in it. Only hashed keys (over 1 KiB) store their text
 * too; for those the exact check of {@link itemSize} applies.
 */
export const ITEM_OVERHEAD_RESERVE = 4 * 1024;

const encoder = new TextEncoder();

/** Size of one attribute: name plus value bytes. */
export function attributeSize(name: string, valueBytes: number): number {
  return name.length + valueBytes;
}

/** UTF-8 length of a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}
