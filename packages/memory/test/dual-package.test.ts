import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * The dual-package hazard: one process may load `@cache/core` twice, as ESM and as
 * CJS (an ESM app using `@cache/memory` required from CJS code). Envelopes written
 * by one copy must be recognised by the other: brands, not `instanceof`.
 */
const require = createRequire(import.meta.url);

describe('ESM and CJS copies of @cache/core in one process', () => {
  it('an envelope written through one copy reads through the other', async () => {
    const esm = await import('@cache/core');
    const cjs = require('@cache/core') as typeof import('@cache/core');
    const { MemoryStore } = require('@cache/memory') as typeof import('@cache/memory');
    expect(cjs.Cache, 'two distinct copies are loaded').not.toBe(esm.Cache);
    const store = new MemoryStore();
    const writer = new esm.Cache({ store });
    const reader = new cjs.Cache({ store });
    // grace makes the entry an envelope (fresh-until, grace-until) kept by reference.
    await writer.remember('k', '1m', () => ({ n: 1 }), { grace: '1h' });
    expect(await reader.get('k'), 'CJS reader, ESM envelope').toEqual({ n: 1 });
    expect(await reader.remember('k', '1m', () => ({ n: 2 }))).toEqual({ n: 1 });
    await reader.remember('j', '1m', () => 'cjs', { eagerRefresh: 0.9 });
    expect(await writer.get('j'), 'ESM reader, CJS envelope').toBe('cjs');
    // The byte interface of the CJS store frames an ESM envelope instead of JSON-encoding it.
    const bytes = await store.get('k');
    expect(bytes?.[0], 'framed entry').toBe(0x00);
    const viaBytes = new esm.Cache({ store, compression: 'gzip' });
    expect(await viaBytes.get('k'), 'framed bytes decode to the value').toEqual({ n: 1 });
    expect(esm.isStampedValue(new cjs.StampedValue(1, Date.now() + 1000))).toBe(true);
  });
});
