import { afterEach } from 'vitest';
import { MemoryStore, type MemoryStoreOptions } from '../src/index.js';

const open: MemoryStore[] = [];

/** A store closed after the test, with the background sweep off unless asked for. */
export function createStore(options: MemoryStoreOptions = {}): MemoryStore {
  const store = new MemoryStore({ pruneInterval: 0, ...options });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `bytes` as UTF-8 text, or `undefined`. */
export function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : decoder.decode(value);
}

/** Resolves once `Date.now()` has moved past `deadline` (busy-polls the clock, no fixed sleep). */
export async function untilAfter(deadline: number): Promise<void> {
  while (Date.now() <= deadline) await new Promise((resolve) => setImmediate(resolve));
}
