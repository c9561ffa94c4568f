import { resolve } from 'node:path';
import {
  assertNoRenamedOptions,
  ConfigError,
  type Duration,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Directory that holds the cache (created on first write). Relative paths resolve against the current directory. */
  readonly dir: string;
  /**
   * Namespace of this store's entries, **required**: a directory may be shared by
   * several processes and services. Each prefix gets its own folder under `dir`,
   * and `flush()` empties only that folder's entry files. Any well-formed 1–256
   * character string without control characters.
   */
  readonly prefix: string;
  /**
   * `fsync` each entry file before renaming it into place (default `true`), so that
   * after a power loss or kernel crash an entry is the old or the new value, never
   * a zero-filled or truncated file. Costs one disk flush per write (about 0.3–1 ms on
   * an SSD, far more on spinning or network disks). A process crash never tears an
   * entry either way: only the kernel's page cache is involved.
   */
  readonly fsync?: boolean;
  /**
   * Also `fsync` the folder after each rename (default `false`), so that a write
   * acknowledged before a power loss is not rolled back to the previous value
   * afterwards. A second disk flush per write.
   */
  readonly fsyncDirectory?: boolean;
  /**
   * How long `add`/`increment`/`deleteIfEquals` wait for a key's lock before a
   * `CacheTimeoutError` (ms or a string such as `'15s'`; default 15 s; `0` = do not wait).
   */
  readonly lockTimeout?: Duration;
  /**
   * A lock file older than this (default 10 s) is considered abandoned and
   * broken. Must exceed the longest time a lock is legitimately held (one read and
   * one write of an entry). Locks of a crashed process on this host are broken at
   * once, whatever their age; a lock file without an owner record (its creator died
   * between creating and writing it) after 2 s, or this, if less.
   */
  readonly staleLockAge?: Duration;
  /** A temp file of another host older than this (default 10 minutes) is an orphan that `prune` removes. */
  readonly staleTempAge?: Duration;
  /** Most files `getMany`/`setMany`/`deleteMany`/`flush` work on at once (default 16). */
  readonly concurrency?: number;
  /**
   * Run `prune()` this often (default 5 minutes) on an unref'd timer; `0` turns
   * it off. Several processes pruning one directory is safe.
   */
  readonly pruneInterval?: Duration;
  /** Most files one `prune()` call removes by default (default 1 000). */
  readonly pruneLimit?: number;
  /** Mode of the files the store creates (default `0o600`: the cache may hold private data). */
  readonly fileMode?: number;
  /** Mode of the folders the store creates (default `0o700`). */
  readonly dirMode?: number;
  /**
   * Receives errors that must not fail a caller's operation: a failed background
   * prune, a lock file that could not be removed. Default: ignored.
   */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** {@link FileStoreOptions} with defaults applied and validated. */
export interface ResolvedFileStoreOptions {
  readonly dir: string;
  readonly prefix: string;
  readonly fsync: boolean;
  readonly fsyncDirectory: boolean;
  readonly lockTimeoutMs: number;
  readonly staleLockMs: number;
  readonly staleTempMs: number;
  readonly concurrency: number;
  readonly pruneIntervalMs: number;
  readonly pruneLimit: number;
  readonly fileMode: number;
  readonly dirMode: number;
  readonly onBackgroundError: (error: unknown) => void;
}

const DRIVER = 'FileStore';
const MAX_PREFIX_LENGTH = 256;
/** Longest interval a timer can hold (setInterval's 32-bit limit). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Option names that were renamed: passing the old one is a `ConfigError`, never silently ignored. */
const RENAMED_OPTIONS = {
  pruneIntervalMs: 'pruneInterval',
  lockTimeoutMs: 'lockTimeout',
  staleLockMs: 'staleLockAge',
  staleTempMs: 'staleTempAge',
} as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for a missing `dir`, a missing or unusable `prefix`, a
 *   renamed option or an out-of-range number or duration.
 */
export function resolveFileStoreOptions(options: FileStoreOptions): ResolvedFileStoreOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('FileStore needs an options object');
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new ConfigError('FileStore option "dir" must be a non-empty path');
  }
  if (options.dir.includes('\0')) throw new ConfigError('FileStore option "dir" must not contain NUL');
  assertNoRenamedOptions(options, RENAMED_OPTIONS, DRIVER);
  const prefix = resolvePrefix(options.prefix, { driver: DRIVER, required: true });
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new ConfigError(`FileStore option "prefix" must be 1 to ${MAX_PREFIX_LENGTH} characters long`);
  }
  if (CONTROL_CHARACTERS.test(prefix)) {
    throw new ConfigError('FileStore option "prefix" must not contain control characters');
  }
  return {
    dir: resolve(options.dir),
    prefix,
    fsync: flag(options.fsync, 'fsync', true),
    fsyncDirectory: flag(options.fsyncDirectory, 'fsyncDirectory', false),
    lockTimeoutMs: duration(options.lockTimeout, 'lockTimeout', 15_000, true),
    staleLockMs: duration(options.staleLockAge, 'staleLockAge', 10_000, false),
    staleTempMs: duration(options.staleTempAge, 'staleTempAge', 600_000, false),
    concurrency: integer(options.concurrency, 'concurrency', 16, 1),
    pruneIntervalMs: timerInterval(duration(options.pruneInterval, 'pruneInterval', 300_000, true)),
    pruneLimit: integer(options.pruneLimit, 'pruneLimit', 1_000, 1),
    fileMode: mode(options.fileMode, 'fileMode', 0o600),
    dirMode: mode(options.dirMode, 'dirMode', 0o700),
    onBackgroundError: callback(options.onBackgroundError),
  };
}

function integer(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`FileStore option "${name}" must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function duration(value: Duration | undefined, name: string, fallback: number, allowZero: boolean): number {
  return resolveDurationOption(value, `FileStore option "${name}"`, fallback, allowZero);
}

function timerInterval(ms: number): number {
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(`FileStore option "pruneInterval" must be at most ${MAX_TIMER_MS} ms, got ${ms}`);
  }
  return ms;
}

function flag(value: boolean | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(`FileStore option "${name}" must be a boolean`);
  return value;
}

function mode(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new ConfigError(`FileStore option "${name}" must be a file mode such as 0o600`);
  }
  return value;
}

function callback(value: ((error: unknown) => void) | undefined): (error: unknown) => void {
  if (value === undefined) return () => undefined;
  if (typeof value !== 'function')
    throw new ConfigError('FileStore option "onBackgroundError" must be a function');
  return value;
}
