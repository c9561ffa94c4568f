import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the worker script (plain .mjs importing the built dists). */
const WORKER = fileURLToPath(new URL('../test/workers/cache-worker.mjs', import.meta.url));
/** Preloaded into a worker whose clock is off (see {@link WorkerJob.clockOffsetMs}). */
const CLOCK_OFFSET = new URL('../test/workers/clock-offset.mjs', import.meta.url).href;

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
  /** Cache options of the worker's cache (plain data). */
  readonly cache?: { readonly tagCheckInterval?: number };
  /** Shifts the worker's `Date.now()` by this many ms, from before any module loads (a node whose clock is off). */
  readonly clockOffsetMs?: number;
}

/** What a worker kept running by {@link openWorker} is: a job without a task of its own. */
export type SessionJob = Omit<WorkerJob, 'task' | 'params' | 'connections'>;

/**
 * One cache call a session runs, in the namespace path `ns` of the worker's cache
 * (`['a', 'b']` is `cache.namespace('a').namespace('b')`; none: the root).
 * `clock` resolves the worker's `Date.now()`.
 */
export type WorkerStep = { readonly ns?: readonly string[] } & (
  | { readonly call: 'get'; readonly key: string }
  | { readonly call: 'getMany'; readonly keys: readonly string[] }
  | {
      readonly call: 'set';
      readonly key: string;
      readonly value: unknown;
      readonly ttl: number | string;
      readonly tags?: readonly string[];
    }
  | { readonly call: 'flush' }
  | { readonly call: 'deleteByTag' | 'expireByTag'; readonly tags: string | readonly string[] }
  | { readonly call: 'clock' }
);

/** A worker that stays up between the steps of a test. */
export interface WorkerSession {
  /**
   * Runs `steps` in the worker, one after the other; resolves each one's result
   * (a miss, `undefined`, arrives as `null`: the channel carries JSON).
   */
  run(steps: readonly WorkerStep[]): Promise<unknown[]>;
  /** Kills the worker; resolves once it is gone. */
  close(): Promise<void>;
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
      const child = forkWorker(job);
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

/**
 * Starts one worker for `job` and resolves once it is connected: the test then
 * interleaves its own calls with the worker's (`run`), in one worker process.
 */
export async function openWorker(job: SessionJob, timeoutMs = 20_000): Promise<WorkerSession> {
  const child = forkWorker(job);
  const messages = new MessageQueue(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A hung worker fails the step it hangs in, not the whole file.
  const within = <T>(step: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker still running after ${timeoutMs} ms: killed`));
      }, timeoutMs);
    });
    return Promise.race([step, timeout]).finally(() => clearTimeout(timer));
  };
  child.send({ ...job, task: 'steps', params: {}, session: true });
  try {
    await within(messages.expect('ready'));
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    async run(steps) {
      child.send({ type: 'go', params: { steps } });
      return (await within(messages.expect('result'))).results;
    },
    async close() {
      // Like runWorkers: killed, not asked to close its connections (ioredis alone takes 2 s to).
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await exited;
    },
  };
}

/** Forks the worker script for `job`, with the clock preload when the job asks for one. */
function forkWorker(job: Pick<WorkerJob, 'clockOffsetMs'>): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  if (job.clockOffsetMs === undefined) return fork(WORKER, [], { stdio });
  return fork(WORKER, [], {
    stdio,
    execArgv: [...process.execArgv, '--import', CLOCK_OFFSET],
    env: { ...process.env, CACHE_CLOCK_OFFSET_MS: String(job.clockOffsetMs) },
  });
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
