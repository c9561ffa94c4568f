import {
  addCounter,
  bytesEqual,
  decodeCounter,
  encodeCounter,
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
} from '../../src/index.js';

interface Row {
  value: Uint8Array;
  expiresAt: number;
}

/** A minimal byte-level store for core's own tests, recording every call. */
export class MapStore implements Store {
  readonly name = 'map';
  readonly capabilities: StoreCapabilities = { shared: false, durable: false, ttlResolutionMs: 1 };
  readonly rows = new Map<string, Row>();
  readonly calls: string[] = [];
  /** When set, every operation rejects with this. */
  failWith: Error | undefined;
  /** Delay every operation by this many ms. */
  latencyMs = 0;

  count(op: string): number {
    return this.calls.filter((c) => c === op).length;
  }

  async #enter(op: string): Promise<void> {
    this.calls.push(op);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.failWith) throw this.failWith;
  }

  #live(key: string): Row | undefined {
    const row = this.rows.get(key);
    if (row && row.expiresAt !== 0 && row.expiresAt <= Date.now()) {
      this.rows.delete(key);
      return undefined;
    }
    return row;
  }

  #put(key: string, value: Uint8Array, ttl: number): void {
    this.rows.set(key, { value: value.slice(), expiresAt: ttl === NO_EXPIRY ? 0 : Date.now() + ttl });
  }

  async get(key: string) {
    await this.#enter('get');
    return this.#live(key)?.value.slice();
  }
  async getMany(keys: readonly string[]) {
    await this.#enter('getMany');
    return keys.map((k) => this.#live(k)?.value.slice());
  }
  async set(key: string, value: Uint8Array, ttl: number) {
    await this.#enter('set');
    this.#put(key, value, ttl);
  }
  async setMany(entries: readonly StoreEntry[]) {
    await this.#enter('setMany');
    for (const e of entries) this.#put(e.key, e.value, e.ttl);
  }
  async add(key: string, value: Uint8Array, ttl: number) {
    await this.#enter('add');
    if (this.#live(key)) return false;
    this.#put(key, value, ttl);
    return true;
  }
  async increment(key: string, delta: number, ttl: number) {
    await this.#enter('increment');
    const row = this.#live(key);
    const next = addCounter(key, row ? decodeCounter(key, row.value) : 0, delta);
    this.#put(key, encodeCounter(next), ttl);
    return next;
  }
  async delete(key: string) {
    await this.#enter('delete');
    this.rows.delete(key);
  }
  async deleteMany(keys: readonly string[]) {
    await this.#enter('deleteMany');
    for (const k of keys) this.rows.delete(k);
  }
  async deleteIfEquals(key: string, expected: Uint8Array) {
    await this.#enter('deleteIfEquals');
    const row = this.#live(key);
    if (!row || !bytesEqual(row.value, expected)) return false;
    this.rows.delete(key);
    return true;
  }
  async flush() {
    await this.#enter('flush');
    this.rows.clear();
  }
  async close() {}
}
