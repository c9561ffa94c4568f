import { lookupParams } from './batch-read.js';
import type { SqlParam, SqlQueryable, SqlRow } from './executor.js';
import type { KeyIdentity } from './key-identity.js';
import { toBytes, toValueBytes } from './row-values.js';
import { chunks } from './batch.js';
import { lookupBatchSize, type SqlStatements } from './statements.js';

/** One `get` waiting for its batch. */
interface PendingGet {
  readonly key: string;
  /** `...I` (the key identity), for the single-row select of a lone get. */
  readonly id: SqlParam[];
  readonly resolve: (value: Uint8Array | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces the `get` calls issued in one tick into one `SELECT … WHERE prefix = ?
 * AND key IN (…)` (the store's padded `getMany` statement, prepared like the
 * point select): one statement and one round trip for all of them, where a
 * driver without pipelining (mysql2) would otherwise spend a pooled connection
 * and a round trip on each. A lone `get` still goes out as the point select.
 *
 * Each caller gets its own copy of the value; a value that is not bytes fails
 * only the callers of that key (`CorruptPayloadError`); a failed statement fails
 * the callers of its batch. Reads are idempotent, so coalescing changes nothing
 * observable but the cost.
 */
export class GetBatcher {
  #pending: PendingGet[] = [];
  #scheduled = false;
  readonly #flush = (): void => this.#send();

  /**
   * @param executor - runs the selects
   * @param statements - the store's statements
   * @param ids - the store's key identity (prefix, storage)
   * @param onFailure - maps a statement failure to what the callers receive
   */
  constructor(
    private readonly executor: SqlQueryable,
    private readonly statements: SqlStatements,
    private readonly ids: KeyIdentity,
    private readonly onFailure: (error: unknown) => unknown,
  ) {}

  /** Queues a read of `key` (identity `id`, already checked). */
  add(key: string, id: SqlParam[]): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ key, id, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the microtasks of this tick: every caller resumed by one answer joins.
        process.nextTick(this.#flush);
      }
    });
  }

  #send(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    if (batch.length === 1) {
      this.#sendOne(batch[0] as PendingGet);
      return;
    }
    const byKey = new Map<string, PendingGet[]>();
    for (const pending of batch) {
      const list = byKey.get(pending.key);
      if (list === undefined) byKey.set(pending.key, [pending]);
      else list.push(pending);
    }
    for (const group of chunks([...byKey.values()], this.statements.maxLookupBatch)) this.#sendMany(group);
  }

  #sendOne(pending: PendingGet): void {
    const params = pending.id;
    params.push(Date.now());
    this.executor.query(this.statements.get, params).then(
      (rows) => {
        const row = rows[0];
        if (row === undefined) {
          pending.resolve(undefined);
          return;
        }
        try {
          pending.resolve(toValueBytes(row.value, pending.key));
        } catch (error) {
          pending.reject(error);
        }
      },
      (error: unknown) => pending.reject(this.onFailure(error)),
    );
  }

  /** One padded `IN (…)` select for `groups` (the callers of one distinct key each). */
  #sendMany(groups: readonly PendingGet[][]): void {
    const keys = groups.map((group) => (group[0] as PendingGet).key);
    const lookups = groups.map((group) => {
      const id = (group[0] as PendingGet).id;
      // `...I` is `prefix, key` or `prefix, key_hash, cache_key`: the lookup is the second.
      return id[1] as SqlParam;
    });
    const size = lookupBatchSize(keys.length, this.statements.maxLookupBatch);
    const params = lookupParams(this.ids.prefix, lookups, size);
    params.push(Date.now());
    this.executor.query(this.statements.getMany(size), params).then(
      (rows) => this.#answer(groups, keys, rows),
      (error: unknown) => {
        const failure = this.onFailure(error);
        for (const group of groups) for (const pending of group) pending.reject(failure);
      },
    );
  }

  #answer(groups: readonly PendingGet[][], keys: readonly string[], rows: readonly SqlRow[]): void {
    const found = new Map<string, unknown>();
    if (this.ids.storage === 'plain') {
      for (const row of rows) found.set(String(row.cache_key), row.value);
    } else {
      // sha256 storage: keep only rows whose stored key is byte-for-byte a requested one.
      const wanted = new Map<string, string>();
      for (const key of keys) wanted.set(key, key);
      for (const row of rows) {
        const storedKey = Buffer.from(toBytes(row.cache_key)).toString('utf8');
        if (wanted.has(storedKey) && Buffer.from(storedKey, 'utf8').equals(toBytes(row.cache_key))) {
          found.set(storedKey, row.value);
        }
      }
    }
    for (const group of groups) {
      const key = (group[0] as PendingGet).key;
      const raw = found.get(key);
      let value: Uint8Array | undefined;
      try {
        value = raw === undefined ? undefined : toValueBytes(raw, key);
      } catch (error) {
        for (const pending of group) pending.reject(error);
        continue;
      }
      // The first caller takes the value, the others a copy each: callers may mutate what they receive.
      group.forEach((pending, i) => {
        pending.resolve(i === 0 || value === undefined ? value : value.slice());
      });
    }
  }
}
