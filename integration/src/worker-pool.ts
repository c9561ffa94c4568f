import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the worker script (plain .mjs importing the built dists). */
const WORKER = fileURLToPath(new URL('../test/workers/cache-worker.mjs', import.meta.url));

/** Drivers the worker script can build. */
export type WorkerDriver = 'redis' | 'memcached' | 'nats' | 'dynamodb' | 'postgres' | 'mysql';

/** What one worker is asked to do. */
export interface WorkerJob {
  readonly driver: WorkerDriver;
  /** The backend address (URL, comma-separated servers or endpoint). */
  readonly address: string;
  /** Store prefix shared by all workers of one run. */
  readonly prefix: string;
  /** NATS bucket, or DynamoDB / SQL table, where the driver has one. */
  readonly scope?: string;
  /** Connections to open before the start signal (calls in flight, for pooled drivers). Default 1. */
  readonly connections?: number;
  /** Task name in the worker script. */
  readonly task: 'increment' | 'lock';
  /** Task parameters. */
  readonly params: Record<string, unknown>;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; results: unknown[] }
  | { type: 'error'; message: string };

/**
 * Runs one job in each of `jobs.length` child processes and resolves every
 * child's results. All children connect first and start on the same signal, so
 * their calls really overlap. Rejects when a child fails or `timeoutMs` passes.
 */
export async function runWorkers(jobs: readonly WorkerJob[], timeoutMs = 60_000): Promise<unknown[][]> {
  const children: ChildProcess[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const child of children) child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const started = jobs.map((job) => {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      const messages = new MessageQueue(child);
      child.send(job);
      return messages;
    });
    for (const messages of started) await messages.expect('ready');
    for (const child of children) child.send({ type: 'go' });
    const results: unknown[][] = [];
    for (const messages of started) results.push((await messages.expect('result')).results);
    return results;
  } catch (error) {
    throw timedOut
      ? new Error(`workers still running after ${timeoutMs} ms: killed`, { cause: error })
      : error;
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

/** Buffers a child's messages so they can be awaited one type at a time. */
class MessageQueue {
  readonly #pending: WorkerMessage[] = [];
  #wake: (() => void) | undefined;
  #exit: string | undefined;

  constructor(child: ChildProcess) {
    child.on('message', (message: WorkerMessage) => {
      this.#pending.push(message);
      this.#wake?.();
    });
    child.once('exit', (code, signal) => {
      this.#exit = `worker exited (code ${code}, signal ${signal})`;
      this.#wake?.();
    });
  }

  async expect<T extends WorkerMessage['type']>(type: T): Promise<Extract<WorkerMessage, { type: T }>> {
    for (;;) {
      const message = this.#pending.shift();
      if (message !== undefined) {
        if (message.type === 'error') throw new Error(`worker failed: ${message.message}`);
        if (message.type !== type) throw new Error(`worker sent ${message.type}, expected ${type}`);
        return message as Extract<WorkerMessage, { type: T }>;
      }
      if (this.#exit !== undefined) throw new Error(`${this.#exit} before sending ${type}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}
