/**
 * One timer for many operations that share a timeout.
 *
 * A driver with a default per-operation deadline (say 5 s) would otherwise arm a
 * `setTimeout` per call, which costs a microsecond or two of CPU each on the hot
 * path. Because every operation tracked here gets the same timeout, deadlines grow
 * in the order operations start: the queue is a FIFO, the single timer is armed for
 * its head only, and settling an operation is O(1) amortised (settled items at the
 * head are dropped as they settle; others are skipped when the head reaches them).
 *
 * The timer is `unref`ed: pending deadlines never keep a process alive.
 */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  #items: DeadlineItem[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param timeoutMs - the timeout every tracked operation gets, in ms (positive) */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** The timeout every tracked operation gets, in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** How many tracked operations have neither settled nor timed out. */
  get pending(): number {
    let count = 0;
    for (let i = this.#head; i < this.#items.length; i++) if (!(this.#items[i] as DeadlineItem).done) count++;
    return count;
  }

  /**
   * Settles like `promise`, or rejects with `onTimeout()` once the timeout passes
   * first. A late result of `promise` is dropped (and a late rejection handled).
   */
  track<T>(promise: Promise<T>, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: DeadlineItem = {
        deadline: performance.now() + this.#timeoutMs,
        done: false,
        fail: reject,
        onTimeout,
      };
      this.#items.push(item);
      if (this.#timer === undefined) this.#arm(item.deadline);
      promise.then(
        (value) => {
          this.#settle(item);
          resolve(value);
        },
        (error: unknown) => {
          this.#settle(item);
          reject(error);
        },
      );
    });
  }

  /** Rejects every pending operation with `error()` now and stops the timer. */
  rejectAll(error: () => Error): void {
    const items = this.#items;
    const head = this.#head;
    this.#items = [];
    this.#head = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (let i = head; i < items.length; i++) {
      const item = items[i] as DeadlineItem;
      if (item.done) continue;
      item.done = true;
      item.fail(error());
    }
  }

  #settle(item: DeadlineItem): void {
    if (item.done) return;
    item.done = true;
    const items = this.#items;
    if (items[this.#head] !== item) return;
    let head = this.#head + 1;
    while (head < items.length && (items[head] as DeadlineItem).done) head++;
    this.#setHead(head);
  }

  #setHead(head: number): void {
    const items = this.#items;
    if (head >= items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      items.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  #arm(deadline: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(deadline - performance.now())));
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const items = this.#items;
    let head = this.#head;
    while (head < items.length) {
      const item = items[head] as DeadlineItem;
      if (!item.done && item.deadline > now) break;
      head++;
      if (!item.done) {
        item.done = true;
        item.fail(item.onTimeout());
      }
    }
    this.#setHead(head);
    const next = this.#items[this.#head];
    if (next !== undefined) this.#arm(next.deadline);
  }
}

interface DeadlineItem {
  readonly deadline: number;
  done: boolean;
  readonly fail: (error: unknown) => void;
  readonly onTimeout: () => Error;
}
