import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HOST_TAG } from './host-identity.js';

/**
 * Where everything lives on disk:
 *
 * ```
 * <dir>/<prefix folder>/<2 hex>/<64 hex>.entry                     an entry
 * <dir>/<prefix folder>/<2 hex>/<64 hex>.lock                      the key's cross-process lock
 * <dir>/<prefix folder>/<2 hex>/<64 hex>.break                     guards breaking a stale lock
 * <dir>/<prefix folder>/<2 hex>/<64 hex>.<host>.<pid>.<rand>.tmp   a write (or removal) in flight
 * ```
 *
 * The 64 hex digits are the SHA-256 of the key, so any key (slashes, `..`, NUL,
 * 4 KiB of emoji) maps to a safe, fixed-length name; the first two of them pick
 * one of 256 fan-out folders so that no single directory grows huge. Every name
 * the store creates matches one of the patterns below, and `flush`/`prune` only
 * ever delete names that match them.
 */

/** Readable part of a prefix folder: at most this many characters. */
const READABLE_PREFIX_LENGTH = 32;

/** Entry file name: the key hash plus `.entry`. */
export const ENTRY_NAME = /^([0-9a-f]{64})\.entry$/;
/** Lock file name. */
export const LOCK_NAME = /^([0-9a-f]{64})\.lock$/;
/** Lock-breaking guard file name. */
export const BREAK_NAME = /^([0-9a-f]{64})\.break$/;
/** Temp file name: key hash, owner host tag, owner pid, random part. */
export const TEMP_NAME = /^([0-9a-f]{64})\.([0-9a-f]{8})\.(\d{1,10})\.[0-9a-f]{16}\.tmp$/;
/** Fan-out folder name. */
export const FANOUT_NAME = /^[0-9a-f]{2}$/;

/**
 * The folder of one prefix: a sanitized readable part (for humans listing the
 * directory) plus 16 hex digits of the prefix's SHA-256, so two prefixes that
 * sanitize alike (`a/b`, `a:b`) still get different folders.
 */
export function prefixFolderName(prefix: string): string {
  const readable = prefix.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, READABLE_PREFIX_LENGTH);
  return `${readable}-${sha256(prefix).slice(0, 16)}`;
}

/**
 * SHA-256 (hex) of a string's UTF-16 code units. UTF-16LE rather than UTF-8
 * because it is lossless for every JS string: UTF-8 turns every lone surrogate
 * into U+FFFD, which would make `'\uD800'` and `'\uD801'` the same key.
 */
export function sha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf16le')).digest('hex');
}

/** Paths of one key's files. */
export interface KeyPaths {
  /** The key's hash (hex). */
  readonly hash: string;
  /** Its fan-out folder. */
  readonly folder: string;
  /** The entry file. */
  readonly entry: string;
  /** The lock file. */
  readonly lock: string;
  /** The lock-breaking guard file. */
  readonly breaker: string;
}

/** Paths of `key`'s files under `root` (the prefix folder). */
export function keyPaths(root: string, key: string): KeyPaths {
  const hash = sha256(key);
  return pathsOfHash(root, hash);
}

/** Paths of the files of the key whose hash is `hash`. */
export function pathsOfHash(root: string, hash: string): KeyPaths {
  const folder = join(root, hash.slice(0, 2));
  return {
    hash,
    folder,
    entry: join(folder, `${hash}.entry`),
    lock: join(folder, `${hash}.lock`),
    breaker: join(folder, `${hash}.break`),
  };
}

/**
 * A fresh temp file path next to `paths.entry`: same folder (so rename is atomic),
 * never reused (random part), and naming its owner so `prune` can tell an orphan
 * of a crashed process from a write in flight.
 */
export function tempPath(paths: KeyPaths): string {
  return join(paths.folder, `${paths.hash}.${HOST_TAG}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
}
