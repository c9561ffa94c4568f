import { randomInt } from 'node:crypto';
import { ConflictError } from '@cache/core';
import { type BinaryProtocol, STATUS } from './binary-protocol.js';

/**
 * Prefix-scoped flush without `flush_all`.
 *
 * Every data key is `<prefix>:<generation>:…`, where the generation is a decimal
 * counter stored in memcached under `<prefix>:__ns`. `flush()` increments it
 * (one atomic `incr`): every old key becomes unreachable at once and ages out
 * through its TTL or memcached's LRU. Other prefixes, and keys other clients
 * wrote, are untouched.
 *
 * Visibility across processes without a staleness window: each operation uses
 * the generation this process last saw and, **in the same round trip**, reads
 * the current one (a GET issued after the operation started, sent alongside its
 * data command: in the same socket write when both keys live on the same
 * server). If they differ, a flush happened: the operation is redone under the
 * new generation, so a flush by any process is visible to every operation that
 * starts after it completed. Operations that overlap a flush may land on either
 * side of it, which is what linearizability allows. Operations share generation
 * reads: at most one is in flight, and those starting meanwhile share the next
 * one. The cost is at most one extra small GET per operation on the server
 * holding `<prefix>:__ns`, and about no extra latency (see the package README).
 *
 * When the generation key is missing (first use, eviction, server restart) it is
 * created with a random 47-bit start value, never 0: after an eviction, a
 * restart from 0 could make entries that were flushed long ago readable again.
 */
export class NamespaceGeneration {
  private current: string | undefined;
  private loading: Promise<string> | undefined;
  private nextCheck: Promise<string | undefined> | undefined;
  private checkInFlight: Promise<string | undefined> | undefined;
  private readonly key: string;

  /**
   * @param protocol - the binary protocol client
   * @param prefix - the store's prefix
   * @param maxAttempts - redo limit when flushes keep racing one operation
   */
  constructor(
    private readonly protocol: BinaryProtocol,
    private readonly prefix: string,
    private readonly maxAttempts: number,
  ) {
    this.key = `${prefix}:__ns`;
  }

  /**
   * Runs `operation` under the current namespace (`<prefix>:<generation>`),
   * redoing it when a flush changed the generation meanwhile.
   */
  async run<T>(operation: (namespace: string) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const known = this.current;
      if (known === undefined) {
        // A load shared with earlier operations may have read the generation
        // before this one started, so it does not count as this operation's check.
        await this.load();
        continue;
      }
      const [check, outcome] = await Promise.allSettled([this.check(), operation(this.namespace(known))]);
      if (check.status === 'rejected') {
        throw outcome.status === 'rejected' ? outcome.reason : check.reason;
      }
      if (check.value === known) {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      }
      // A flush (or an evicted generation key) happened meanwhile: redo the
      // operation, whatever its outcome, under the new generation.
      if (this.current === known) this.current = check.value;
      if (attempt >= this.maxAttempts) {
        throw new ConflictError(
          `the generation of prefix "${this.prefix}" kept changing during one operation`,
        );
      }
    }
  }

  /** Increments the generation: every key of the prefix becomes unreachable. */
  async bump(): Promise<void> {
    const next = await this.protocol.increment(this.key, 1n, BigInt(randomStart()), 0);
    this.current = next.toString();
  }

  private namespace(generation: string): string {
    return `${this.prefix}:${generation}`;
  }

  /**
   * The generation as read by a GET issued after the caller started. Callers
   * share reads: at most one read is in flight, and everyone who starts while it
   * is in flight joins the next one, issued as soon as it returns. Under load
   * this is one generation read per round trip instead of one per operation.
   */
  private check(): Promise<string | undefined> {
    this.nextCheck ??= this.issueAfter(this.checkInFlight);
    return this.nextCheck;
  }

  private async issueAfter(previous: Promise<unknown> | undefined): Promise<string | undefined> {
    await (previous === undefined ? undefined : previous.catch(() => undefined));
    // From here on the read is issued: later callers must wait for the next one.
    this.nextCheck = undefined;
    const read = this.read();
    this.checkInFlight = read;
    try {
      return await read;
    } finally {
      if (this.checkInFlight === read) this.checkInFlight = undefined;
    }
  }

  private async read(): Promise<string | undefined> {
    const item = await this.protocol.get(this.key);
    if (item === undefined) return undefined;
    const text = item.value.toString('latin1');
    if (!/^\d{1,20}$/.test(text))
      throw new Error(`generation key "${this.key}" holds "${text}", not a number`);
    return text;
  }

  private load(): Promise<string> {
    this.loading ??= this.loadOnce().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.read();
      if (existing !== undefined) {
        this.current = existing;
        return existing;
      }
      const start = String(randomStart());
      const status = await this.protocol.store('add', this.key, Buffer.from(start, 'latin1'), 0, 0);
      if (status === STATUS.ok) {
        this.current = start;
        return start;
      }
      // Another client created it first: read theirs.
      if (attempt >= this.maxAttempts) {
        throw new ConflictError(`could not create the generation key "${this.key}"`);
      }
    }
  }
}

/** A random start for a new generation, far from 0 and from earlier starts. */
function randomStart(): number {
  return randomInt(1, 2 ** 47);
}
