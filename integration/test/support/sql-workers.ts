import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../workers/sql-increment-worker.mjs', import.meta.url));

/** What each child of {@link runSqlIncrementWorkers} does. */
export interface SqlIncrementJob {
  readonly driver: 'postgres' | 'mysql';
  /** Connection string / URI. */
  readonly address: string;
  readonly table: string;
  /** Store prefix shared by all children. */
  readonly prefix: string;
  /** The counter's key. */
  readonly key: string;
  /** Increments per child. */
  readonly count: number;
  /** Increments in flight per child. */
  readonly concurrency: number;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; results: number[] }
  | { type: 'error'; message: string };

/**
 * Forks `processes` children running `job`, starts them together once all are
 * connected, and resolves every value each child's increments returned. Rejects
 * when a child fails, exits early, or `timeoutMs` passes (children are killed).
 */
export async function runSqlIncrementWorkers(
  job: SqlIncrementJob,
  processes: number,
  timeoutMs = 60_000,
): Promise<number[][]> {
  const children: ChildProcess[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`workers still running after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const inboxes = Array.from({ length: processes }, () => {
      const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      const inbox = new Inbox(child);
      child.send(job);
      return inbox;
    });
    const run = async (): Promise<number[][]> => {
      await Promise.all(inboxes.map((inbox) => inbox.next('ready')));
      for (const child of children) child.send({ type: 'go' });
      return Promise.all(inboxes.map(async (inbox) => (await inbox.next('result')).results));
    };
    return await Promise.race([run(), timedOut]);
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** A child's messages, awaited one at a time. */
class Inbox {
  readonly #messages: WorkerMessage[] = [];
  #wake: (() => void) | undefined;
  #exited: string | undefined;

  constructor(child: ChildProcess) {
    child.on('message', (message: WorkerMessage) => {
      this.#messages.push(message);
      this.#wake?.();
    });
    child.once('exit', (code, signal) => {
      this.#exited = `worker exited (code ${code}, signal ${signal})`;
      this.#wake?.();
    });
  }

  async next<T extends WorkerMessage['type']>(type: T): Promise<Extract<WorkerMessage, { type: T }>> {
    for (;;) {
      const message = this.#messages.shift();
      if (message !== undefined) {
        if (message.type === 'error') throw new Error(`worker failed: ${message.message}`);
        if (message.type !== type) throw new Error(`worker sent ${message.type}, expected ${type}`);
        return message as Extract<WorkerMessage, { type: T }>;
      }
      if (this.#exited !== undefined) throw new Error(`${this.#exited} before sending ${type}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}
