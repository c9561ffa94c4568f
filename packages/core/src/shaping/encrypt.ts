import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError, DecryptionError } from '../errors.js';
import { FINGERPRINT_BYTES, IV_BYTES } from '../entry/frame.js';

/** A 32-byte AES-256 key: raw bytes, 64 hex characters, or base64 of 32 bytes. */
export type EncryptionKey = Uint8Array | string;

/** Encryption settings. */
export interface EncryptionOption {
  /** The key new values are encrypted with. */
  readonly key: EncryptionKey;
  /**
   * Older keys that may still decrypt existing entries (key rotation). Entries are
   * matched to their key by a fingerprint stored in the frame, so no trial decryption.
   */
  readonly previousKeys?: readonly EncryptionKey[];
  /**
   * Whether every entry read must be encrypted (default `true`). With encryption
   * configured, an entry that is not (plain JSON, an unencrypted frame) could have
   * been planted by anyone able to write to the backend, so reading it raises
   * {@link DecryptionError}. Set `false` only while migrating existing
   * unencrypted data; new writes are encrypted either way.
   *
   * Counters are the one exception: `increment` is computed by the backend, so its
   * plain decimal values cannot be encrypted and still read as numbers.
   */
  readonly requireEncryption?: boolean;
}

const TAG_BYTES = 16;

/** A parsed AES-256 key and its fingerprint. */
interface KeyMaterial {
  readonly key: Uint8Array;
  readonly fingerprint: Uint8Array;
  readonly id: string;
}

function parseKey(input: EncryptionKey, label: string): Uint8Array {
  let key: Uint8Array;
  if (input instanceof Uint8Array) key = input;
  else if (typeof input === 'string' && /^[0-9a-fA-F]{64}$/.test(input)) key = Buffer.from(input, 'hex');
  else if (typeof input === 'string' && /^[A-Za-z0-9+/_-]{43}=?$/.test(input))
    key = Buffer.from(input, 'base64');
  else throw new ConfigError(`${label} must be 32 bytes, 64 hex characters or base64 of 32 bytes`);
  if (key.byteLength !== 32)
    throw new ConfigError(`${label} must be 32 bytes (AES-256), got ${key.byteLength}`);
  return Uint8Array.from(key);
}

function material(key: Uint8Array): KeyMaterial {
  // The fingerprint identifies a key without revealing it: a truncated hash under a
  // fixed domain label. 32 bits keeps collisions between a handful of keys negligible.
  const fingerprint = createHash('sha256')
    .update('@cache/core key fingerprint')
    .update(key)
    .digest()
    .subarray(0, FINGERPRINT_BYTES);
  return { key, fingerprint: Uint8Array.from(fingerprint), id: Buffer.from(fingerprint).toString('hex') };
}

/**
 * AES-256-GCM with the cache key bound as associated data: a ciphertext copied to
 * another cache key fails to authenticate. One key encrypts; every configured key
 * may decrypt.
 */
export class Encryptor {
  readonly #current: KeyMaterial;
  readonly #byId = new Map<string, KeyMaterial>();
  /** Whether unencrypted entries are refused on read. */
  readonly requireEncryption: boolean;

  /** @throws {@link ConfigError} for keys that are not 32 bytes. */
  constructor(option: EncryptionOption) {
    if (option === null || typeof option !== 'object')
      throw new ConfigError('encryption must be { key, previousKeys? }');
    this.#current = material(parseKey(option.key, 'encryption.key'));
    this.#byId.set(this.#current.id, this.#current);
    const previousKeys = option.previousKeys ?? [];
    if (!Array.isArray(previousKeys)) {
      throw new ConfigError('encryption.previousKeys must be an array of keys');
    }
    if (option.requireEncryption !== undefined && typeof option.requireEncryption !== 'boolean') {
      throw new ConfigError('encryption.requireEncryption must be a boolean');
    }
    this.requireEncryption = option.requireEncryption ?? true;
    for (const [index, previous] of previousKeys.entries()) {
      const m = material(parseKey(previous, `encryption.previousKeys[${index}]`));
      if (!this.#byId.has(m.id)) this.#byId.set(m.id, m);
    }
  }

  /** Fingerprint and a fresh random IV for the next encryption. */
  nextFields(): { fingerprint: Uint8Array; iv: Uint8Array } {
    return { fingerprint: this.#current.fingerprint, iv: randomBytes(IV_BYTES) };
  }

  /** Encrypts `plain` with the current key; returns ciphertext ‖ tag. */
  encrypt(plain: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array {
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(aad);
    const head = cipher.update(plain);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(head.byteLength + tail.byteLength + TAG_BYTES);
    out.set(head, 0);
    out.set(tail, head.byteLength);
    out.set(tag, head.byteLength + tail.byteLength);
    return out;
  }

  /**
   * Decrypts ciphertext ‖ tag.
   *
   * @throws {@link DecryptionError} when no configured key matches the fingerprint or authentication fails.
   */
  decrypt(body: Uint8Array, fingerprint: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array {
    const key = this.#byId.get(Buffer.from(fingerprint).toString('hex'));
    if (key === undefined) throw new DecryptionError('entry was encrypted with a key that is not configured');
    if (body.byteLength < TAG_BYTES) throw new DecryptionError('encrypted entry is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
      decipher.setAAD(aad);
      decipher.setAuthTag(body.subarray(body.byteLength - TAG_BYTES));
      const head = decipher.update(body.subarray(0, body.byteLength - TAG_BYTES));
      const tail = decipher.final();
      return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
    } catch (error) {
      throw new DecryptionError(
        'encrypted entry failed authentication (tampered, or stored under another key)',
        {
          cause: error,
        },
      );
    }
  }
}
