import { NO_EXPIRY } from '@cache/core';
import { describe, expect, it } from 'vitest';
import {
  expiresAtFor,
  MAX_RELATIVE_EXPTIME_SECONDS,
  memcachedExptime,
  SERVER_EXPIRY_MARGIN_SECONDS,
} from '../src/expiry.js';

const NOW = 1_700_000_000_123;
const DAY_MS = 86_400_000;

describe('memcachedExptime', () => {
  it('maps NO_EXPIRY to 0 (never) with no envelope expiry', () => {
    expect(memcachedExptime(NO_EXPIRY, NOW)).toBe(0);
    expect(expiresAtFor(NO_EXPIRY, NOW)).toBeUndefined();
  });

  it('rounds milliseconds up to whole seconds, plus the one-second clock margin', () => {
    expect(memcachedExptime(1, NOW)).toBe(1 + SERVER_EXPIRY_MARGIN_SECONDS);
    expect(memcachedExptime(150, NOW)).toBe(1 + SERVER_EXPIRY_MARGIN_SECONDS);
    expect(memcachedExptime(1000, NOW)).toBe(1 + SERVER_EXPIRY_MARGIN_SECONDS);
    expect(memcachedExptime(1001, NOW)).toBe(2 + SERVER_EXPIRY_MARGIN_SECONDS);
    expect(expiresAtFor(150, NOW)).toBe(NOW + 150);
  });

  it('never shortens a TTL: the server keeps the item at least ttl + 1 s of its clock', () => {
    for (const ttl of [1, 999, 1000, 1001, 59_999, 3_600_000, 29 * DAY_MS]) {
      expect(memcachedExptime(ttl, NOW) * 1000).toBeGreaterThanOrEqual(ttl + 1000);
    }
  });

  it('stays relative up to 30 days and switches to absolute unix seconds beyond', () => {
    const lastRelativeMs = (MAX_RELATIVE_EXPTIME_SECONDS - SERVER_EXPIRY_MARGIN_SECONDS) * 1000;
    expect(memcachedExptime(lastRelativeMs, NOW)).toBe(MAX_RELATIVE_EXPTIME_SECONDS);
    const absolute = memcachedExptime(lastRelativeMs + 1, NOW);
    expect(absolute).toBe(Math.ceil((NOW + lastRelativeMs + 1) / 1000) + SERVER_EXPIRY_MARGIN_SECONDS);
    expect(absolute).toBeGreaterThan(NOW / 1000);
    expect(memcachedExptime(365 * DAY_MS, NOW)).toBe(Math.ceil((NOW + 365 * DAY_MS) / 1000) + 1);
  });

  it('falls back to 0 (the envelope still expires it) past the 32-bit field (year 2106)', () => {
    expect(memcachedExptime(100 * 365 * DAY_MS, NOW)).toBe(0);
    expect(memcachedExptime(50 * 365 * DAY_MS, NOW)).toBeGreaterThan(2 ** 31);
  });
});
