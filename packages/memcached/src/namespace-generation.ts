import { randomInt } from 'node:crypto';
import { ConflictError } from '@cache/core';
import { type BinaryProtocol, type Item, STATUS } from './binary-protocol.js';

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
  /** The read the next callers share, issued once {@link checkInFlight} settles. */
  private nextCheck: Promise<string | undefined> | undefined;
  private checkInFlight: Promise<string | undefined> | undefined;
  /** {@link checkInFlight} while it is still queued, not yet written: callers may join it. */
  private joinable: Promise<string | undefined> | undefined;
  private readonly closeJoin = (): void => {
    this.joinable = undefined;
  };
  private readonly key: string;
  private readonly parseGeneration = (item: Item | undefined): string | undefined => {
    if (item === undefined) return undefined;
    const text = item.value.toString('latin1');
    if (!/^\d{1,20}$/.test(text))
      throw new Error(`generation key "${this.key}" holds "${text}", not a number`);
    return text;
  };
  private readonly issueNext = (): Promise<string | undefined> => {
    // From here on the read is issued: later callers must wait for the next one.
    this.nextCheck = undefined;
    return this.issue();
  };

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
   * redoing it when a flush changed the generation meanwhile. Rejects with
   * `mapError(error)` (given the operation's error, else the generation read's).
   *
   * Written with callbacks rather than `async`/`Promise.allSettled`: on the hot
   * path of every store call this is one promise instead of five.
   */
  run<T>(operation: (namespace: string) => Promise<T>, mapError: (error: unknown) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => this.attempt(operation, mapError, resolve, reject, 1));
  }

  private attempt<T>(
    operation: (namespace: string) => Promise<T>,
    mapError: (error: unknown) => unknown,
    resolve: (value: T | PromiseLike<T>) => void,
    reject: (error: unknown) => void,
    attempt: number,
  ): void {
    const known = this.current;
    if (known === undefined) {
      // A load shared with earlier operations may have read the generation before
      // this one started, so it does not count as this operation's check.
      this.load().then(
        () => this.attempt(operation, mapError, resolve, reject, attempt),
        (error: unknown) => reject(mapError(error)),
      );
      return;
    }
    // Issue the check first: when no read is in flight it goes out in the same write.
    const check = this.check();
    let outcome: Promise<T>;
    try {
      outcome = operation(this.namespace(known));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    let pending = 2;
    let checked: string | undefined;
    let checkFailed = false;
    let checkError: unknown;
    let succeeded = false;
    let value: T | undefined;
    let failure: unknown;
    const settle = (): void => {
      if (--pending > 0) return;
      if (checkFailed) {
        reject(mapError(succeeded ? checkError : failure));
        return;
      }
      if (checked === known) {
        if (succeeded) resolve(value as T);
        else reject(mapError(failure));
        return;
      }
      // A flush (or an evicted generation key) happened meanwhile: redo the
      // operation, whatever its outcome, under the new generation.
      if (this.current === known) this.current = checked;
      if (attempt >= this.maxAttempts) {
        reject(
          new ConflictError(`the generation of prefix "${this.prefix}" kept changing during one operation`),
        );
        return;
      }
      this.attempt(operation, mapError, resolve, reject, attempt + 1);
    };
    check.then(
      (generation) => {
        checked = generation;
        settle();
      },
      (error: unknown) => {
        checkFailed = true;
        checkError = error;
        settle();
      },
    );
    outcome.then(
      (result) => {
        succeeded = true;
        value = result;
        settle();
      },
      (error: unknown) => {
        failure = error;
        settle();
      },
    );
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
   * share reads: a read not yet written to the socket is shared by everyone who
   * starts before it is (the calls of one tick share one); at most one read is in
   * flight, and everyone who starts while it is in flight joins the next one,
   * issued as soon as it returns. Under load this is one generation read per round
   * trip instead of one per operation.
   */
  private check(): Promise<string | undefined> {
    // Not written yet, so it is issued after this caller started: share it.
    if (this.joinable !== undefined) return this.joinable;
    if (this.nextCheck !== undefined) return this.nextCheck;
    const inFlight = this.checkInFlight;
    if (inFlight === undefined) return this.issue();
    this.nextCheck = inFlight.then(this.issueNext, this.issueNext);
    return this.nextCheck;
  }

  private issue(): Promise<string | undefined> {
    const read = this.read();
    this.checkInFlight = read;
    this.joinable = read;
    this.protocol.afterFlush(this.closeJoin);
    const done = (): void => {
      if (this.checkInFlight === read) this.checkInFlight = undefined;
    };
    read.then(done, done);
    return read;
  }

  private read(): Promise<string | undefined> {
    return this.protocol.read(this.key, this.parseGeneration);
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
