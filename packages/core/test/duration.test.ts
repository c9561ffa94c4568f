import { describe, expect, it } from 'vitest';
import {
  InvalidTtlError,
  NO_EXPIRY,
  resolveTtl,
  toMilliseconds,
  toPositiveMilliseconds,
} from '../src/index.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [250, 250],
  ] as const)('%s is %d ms', (input, ms) => {
    expect(toMilliseconds(input)).toBe(ms);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %s', (bad) => {
    expect(() => toMilliseconds(bad)).toThrow(InvalidTtlError);
    expect(() => resolveTtl(bad, 1000)).toThrow(InvalidTtlError);
  });

  it.each(['5 minutes', '', 'ms', '10x', '1e3s', '-5m'])('rejects the string %j', (bad) => {
    expect(() => resolveTtl(bad as never, 1000)).toThrow(InvalidTtlError);
  });

  it('maps missing and non-positive TTLs to the default, forever to NO_EXPIRY', () => {
    expect(resolveTtl(undefined, 1234)).toBe(1234);
    expect(resolveTtl(0, 1234)).toBe(1234);
    expect(resolveTtl(-5, 1234)).toBe(1234);
    expect(resolveTtl('0s', 1234)).toBe(1234);
    expect(resolveTtl('forever', 1234)).toBe(NO_EXPIRY);
  });

  it('rounds fractional milliseconds up so a TTL never shortens', () => {
    expect(resolveTtl(1.2, 1000)).toBe(2);
    expect(toPositiveMilliseconds('0.5ms')).toBe(1);
  });

  it('rejects absurdly long TTLs and non-positive required durations', () => {
    expect(() => resolveTtl(1e300, 1000)).toThrow(InvalidTtlError);
    expect(() => toPositiveMilliseconds(0)).toThrow(InvalidTtlError);
    expect(() => toPositiveMilliseconds({} as never)).toThrow(InvalidTtlError);
  });
});
