import { randomBytes } from 'node:crypto';
import type { CacheOptions } from '@cache/core';

/**
 * The variants every driver's contract runs in: the baseline (plain JSON values
 * under the suite's prefixes) and a "shaped" one that exercises everything the
 * facade layers over the store at once.
 */
export interface Shape {
  /** Suffix for suite titles. */
  readonly name: string;
  /** Turns the contract's fresh prefix into the prefix the store is created with. */
  readonly prefix: (prefix: string) => string;
  /** Cache options (everything but the store). */
  readonly cacheOptions: Omit<Partial<CacheOptions>, 'store'>;
}

/**
 * Suffix of the shaped variant's prefixes: glob and LIKE metacharacters, a
 * separator, a space and non-ASCII text, so a driver that interpolates its prefix
 * into a pattern or a key format without escaping fails the flush checks.
 */
export const AWKWARD_PREFIX_SUFFIX = '/[*?]\\%_ ünï';

/**
 * The same idea restricted to printable ASCII without spaces, for backends whose
 * drivers only accept such prefixes (memcached keys are ASCII; its driver refuses
 * anything else rather than hashing the prefix).
 */
export const ASCII_AWKWARD_PREFIX_SUFFIX = '/[*?]\\%_';

/** Baseline: plain prefix, default codec, no shaping. */
export const BASELINE: Shape = { name: 'baseline', prefix: (prefix) => prefix, cacheOptions: {} };

/**
 * Shaped: awkward prefix (`suffix` appended to the suite's prefix), gzip for every
 * value, AES-256-GCM with a 32-byte key, a 256 KiB value cap (below every
 * backend's own cap: memcached ~1 MiB, DynamoDB 400 KB, so the facade's limit is
 * the one that applies).
 */
export function shaped(suffix: string = AWKWARD_PREFIX_SUFFIX): Shape {
  return {
    name: 'shaped (prefix, gzip, encryption, maxValueBytes)',
    prefix: (prefix) => `${prefix}${suffix}`,
    cacheOptions: {
      compression: { algorithm: 'gzip', minBytes: 0 },
      encryption: { key: randomBytes(32) },
      maxValueBytes: 256 * 1024,
    },
  };
}

/** Both variants, the shaped one with `suffix` as its prefix suffix. */
export function shapes(suffix: string = AWKWARD_PREFIX_SUFFIX): readonly Shape[] {
  return [BASELINE, shaped(suffix)];
}
