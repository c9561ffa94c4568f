import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Cache,
  ConfigError,
  CorruptPayloadError,
  DecryptionError,
  utf8,
  ValueTooLargeError,
} from '../src/index.js';
import { MapStore } from './support/map-store.js';

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const big = { text: 'lorem ipsum dolor sit amet '.repeat(400), n: [1, 2, 3] };

describe('shaping', () => {
  it('stores plain JSON when no shaping is configured (readable with backend tools)', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    await cache.set('k', { a: 1 });
    expect(new TextDecoder().decode(store.rows.get('k')?.value)).toBe('{"a":1}');
  });

  it.each(['gzip', 'brotli'] as const)('%s round-trips and shrinks a large value', async (algorithm) => {
    const store = new MapStore();
    const cache = new Cache({ store, compression: algorithm });
    await cache.set('k', big);
    expect(await cache.get('k')).toEqual(big);
    const stored = store.rows.get('k')?.value as Uint8Array;
    expect(stored[0]).toBe(0);
    expect(stored.byteLength).toBeLessThan(JSON.stringify(big).length / 5);
  });

  it('skips compression for small values and when it does not help', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, compression: { algorithm: 'gzip', minBytes: 16 } });
    await cache.set('small', 'x');
    expect(new TextDecoder().decode(store.rows.get('small')?.value)).toBe('"x"');
    const noise = randomBytes(4096);
    await cache.setBytes('noise', noise);
    // random bytes do not compress: stored as-is (framed only if it starts with 0x00)
    expect(store.rows.get('noise')?.value.byteLength).toBeLessThanOrEqual(noise.byteLength + 4);
    expect(Buffer.from((await cache.getBytes('noise')) as Uint8Array).equals(noise)).toBe(true);
  });

  it('compresses large values off the event loop and reads them back', async () => {
    const cache = new Cache({ store: new MapStore(), compression: 'gzip' });
    const huge = { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, name: `row-${i}` })) };
    await cache.set('huge', huge);
    expect(await cache.get('huge')).toEqual(huge);
  });

  it('encrypts with the key bound as associated data', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, encryption: { key: KEY_A } });
    await cache.set('secret', { card: '4111' });
    const raw = store.rows.get('secret')?.value as Uint8Array;
    expect(Buffer.from(raw).includes(Buffer.from('4111'))).toBe(false);
    expect(await cache.get('secret')).toEqual({ card: '4111' });
    // A ciphertext copied under another key fails to authenticate.
    store.rows.set('other', { value: raw, expiresAt: 0 });
    await expect(cache.get('other')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('detects tampering and wrong keys', async () => {
    const store = new MapStore();
    await new Cache({ store, encryption: { key: KEY_A } }).set('k', 'v');
    const row = store.rows.get('k')!;
    const tampered = row.value.slice();
    tampered[tampered.length - 1] = (tampered.at(-1) as number) ^ 1;
    store.rows.set('t', { value: tampered, expiresAt: 0 });
    const cache = new Cache({ store, encryption: { key: KEY_A } });
    await expect(cache.get('t')).rejects.toMatchObject({ code: 'CACHE_DECRYPTION_FAILED' });
    await expect(new Cache({ store, encryption: { key: KEY_B } }).get('k')).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(new Cache({ store }).get('k')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rotates keys: old entries decrypt with previousKeys, new ones use the new key', async () => {
    const store = new MapStore();
    await new Cache({ store, encryption: { key: KEY_A } }).set('old', 'from A');
    const rotated = new Cache({ store, encryption: { key: KEY_B, previousKeys: [KEY_A] } });
    expect(await rotated.get('old')).toBe('from A');
    await rotated.set('new', 'from B');
    await expect(new Cache({ store, encryption: { key: KEY_A } }).get('new')).rejects.toBeInstanceOf(
      DecryptionError,
    );
    expect(await new Cache({ store, encryption: { key: KEY_B } }).get('new')).toBe('from B');
  });

  it('accepts hex and base64 keys and rejects bad ones with ConfigError', async () => {
    const hex = KEY_A.toString('hex');
    const b64 = KEY_A.toString('base64');
    const store = new MapStore();
    await new Cache({ store, encryption: { key: hex } }).set('k', 1);
    expect(await new Cache({ store, encryption: { key: b64 } }).get('k')).toBe(1);
    expect(() => new Cache({ store, encryption: { key: 'short' } })).toThrow(ConfigError);
    expect(() => new Cache({ store, encryption: { key: randomBytes(16) } })).toThrow(ConfigError);
    expect(() => new Cache({ store, compression: 'zstd' as never })).toThrow(ConfigError);
  });

  it('reads values written before shaping was enabled', async () => {
    const store = new MapStore();
    await new Cache({ store }).set('legacy', { v: 1 });
    // Migrating: unencrypted entries read only with the explicit opt-out.
    const migrating = new Cache({
      store,
      compression: 'brotli',
      encryption: { key: KEY_A, requireEncryption: false },
    });
    expect(await migrating.get('legacy')).toEqual({ v: 1 });
    const strict = new Cache({ store, compression: 'brotli', encryption: { key: KEY_A } });
    await expect(strict.get('legacy')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('raises typed errors for corrupt, truncated and foreign payloads', async () => {
    const store = new MapStore();
    const cache = new Cache({
      store,
      compression: 'gzip',
      encryption: { key: KEY_A, requireEncryption: false },
    });
    const put = (key: string, bytes: number[] | Uint8Array) =>
      store.rows.set(key, { value: Uint8Array.from(bytes), expiresAt: 0 });
    put('truncated', [0x00, 0xca, 1]);
    put('badmagic', [0x00, 0x11, 1, 0]);
    put('version', [0x00, 0xca, 9, 0]);
    put('flags', [0x00, 0xca, 1, 0xf0]);
    put('gzip', [0x00, 0xca, 1, 0b0010, 1, 2, 3, 4]);
    put('enc-short', [0x00, 0xca, 1, 0b1000, 1, 2]);
    put('json', utf8('{not json'));
    for (const key of ['truncated', 'badmagic', 'version', 'flags', 'gzip', 'json']) {
      await expect(cache.get(key), key).rejects.toBeInstanceOf(CorruptPayloadError);
    }
    await expect(cache.get('enc-short')).rejects.toBeInstanceOf(CorruptPayloadError);
  });

  it('checks maxValueBytes after shaping and before any store call', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, maxValueBytes: 100 });
    await expect(cache.set('k', 'x'.repeat(200))).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(
      cache.setMany<unknown>([
        { key: 'a', value: 1 },
        { key: 'b', value: 'y'.repeat(500) },
      ]),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(store.calls).toEqual([]);
    // compression can bring a value under the limit
    const shaped = new Cache({ store, maxValueBytes: 100, compression: { algorithm: 'gzip', minBytes: 0 } });
    await shaped.set('k', 'x'.repeat(2000));
    expect(await shaped.get('k')).toBe('x'.repeat(2000));
  });

  it('frames raw bytes that begin with 0x00 so they are not mistaken for frames', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    const value = Uint8Array.from([0x00, 0xca, 0x01, 0x00, 0xff]);
    await cache.setBytes('b', value);
    expect(await cache.getBytes('b')).toEqual(value);
    await cache.setBytes('empty', new Uint8Array(0));
    expect(await cache.getBytes('empty')).toEqual(new Uint8Array(0));
  });
});
