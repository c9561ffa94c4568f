import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerDriver } from '../../src/worker-pool.js';

/** Path of the node script (plain .mjs importing the built dists). */
const WORKER = fileURLToPath(new URL('../workers/hybrid-worker.mjs', import.meta.url));

/** The shared store a node uses (L2). */
export interface NodeStore {
  readonly driver: WorkerDriver;
  /** The backend address (URL, comma-separated servers or endpoint). */
  readonly address: string;
  /** Store prefix shared by all nodes of one run. */
  readonly prefix: string;
  /** NATS bucket, or DynamoDB / SQL table, where the driver has one. */
  readonly scope?: string;
  /** Extra driver options (plain data). */
  readonly options?: Record<string, unknown>;
}

/** What one child node is and does. */
export interface NodeJob {
  readonly store: NodeStore;
  /** An L1 (a MemoryStore) in front of the store, at most `ttl` per entry. */
  readonly l1?: { readonly ttl?: string | number };
  /** A coherence bus (needs `l1`). */
  readonly bus?: { readonly kind: 'redis' | 'nats'; readonly address: string; readonly channel: string };
  /** Task name in the node script. */
  readonly task: 'flight' | 'hang' | 'write' | 'read' | 'idle';
  /** Task parameters. */
  readonly params: Record<string, unknown>;
}

/** A message a node sends. */
export type NodeMessage =
  | { readonly type: 'ready'; readonly pid: number }
  | {
      readonly type: 'event';
      readonly name: string;
      readonly atMs: number;
      readonly [field: string]: unknown;
    }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'error'; readonly message: string };

/** The current time on the clock the nodes stamp their events with (CLOCK_MONOTONIC, ms). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * One child process running `test/workers/hybrid-worker.mjs`: started with a job,
 * ready once connected; `go()` starts its task, `stop()` ends a long-running one,
 * `kill()` is a crash (SIGKILL). Messages are buffered and awaited by type.
 */
export class NodeProcess {
  readonly #child: ChildProcess;
  readonly #pending: NodeMessage[] = [];
  #wake: (() => void) | undefined;
  #exit: string | undefined;
  /** The child's pid. */
  readonly pid: number;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.pid = child.pid ?? -1;
    child.on('message', (message: NodeMessage) => {
      this.#pending.push(message);
      this.#wake?.();
    });
    child.once('exit', (code, signal) => {
      this.#exit = `node ${this.pid} exited (code ${code}, signal ${signal})`;
      this.#wake?.();
    });
  }

  /** Forks a node with `job` and resolves once it reports ready (connected). */
  static async start(job: NodeJob, timeoutMs = 20_000): Promise<NodeProcess> {
    const node = new NodeProcess(fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    node.#child.send(job);
    try {
      await node.next('ready', timeoutMs);
    } catch (error) {
      node.kill();
      throw error;
    }
    return node;
  }

  /** Starts the task. */
  go(): void {
    this.#child.send({ type: 'go' });
  }

  /**
   * Asks a long-running task to finish and report; a reader given `until` first
   * keeps reading until every key shows that version (at most 10 s).
   */
  stop(until?: number): void {
    if (this.#child.connected) this.#child.send({ type: 'stop', ...(until === undefined ? {} : { until }) });
  }

  /** SIGKILL, like a crash; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGKILL');
    await exited;
  }

  /** The task's result. */
  async result<T>(timeoutMs = 30_000): Promise<T> {
    return (await this.next('result', timeoutMs)).result as T;
  }

  /** The next event called `name` (other events before it are dropped). */
  async event(name: string, timeoutMs = 30_000): Promise<Extract<NodeMessage, { type: 'event' }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next('event', deadline - Date.now());
      if (event.name === name) return event;
    }
  }

  /** The next message of `type`; rejects on an error message, an exit, another type first, or the timeout. */
  async next<T extends NodeMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<NodeMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.#pending.shift();
      if (message !== undefined) {
        if (message.type === 'error') throw new Error(`node ${this.pid} failed: ${message.message}`);
        // Events a caller does not wait for (progress reports) are skipped.
        if (message.type === 'event' && type !== 'event') continue;
        if (message.type !== type) throw new Error(`node ${this.pid} sent ${message.type}, expected ${type}`);
        return message as Extract<NodeMessage, { type: T }>;
      }
      if (this.#exit !== undefined) throw new Error(`${this.#exit} before sending ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`node ${this.pid}: no ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

/**
 * Starts one node per job (concurrently), runs `body` with them, and kills every
 * node that is still running afterwards, whatever happened.
 */
export async function withNodes<T>(
  jobs: readonly NodeJob[],
  body: (nodes: NodeProcess[]) => Promise<T>,
): Promise<T> {
  const started = await Promise.allSettled(jobs.map((job) => NodeProcess.start(job)));
  const nodes = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  try {
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return await body(nodes);
  } finally {
    await Promise.all(nodes.map((node) => node.kill()));
  }
}
