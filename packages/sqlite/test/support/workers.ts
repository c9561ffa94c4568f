import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { WorkerTask } from '../fixtures/sqlite-worker.js';

const WORKER = fileURLToPath(new URL('../fixtures/sqlite-worker.ts', import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly output: Promise<string>;
}

function start(task: WorkerTask): Running {
  // tsx runs the worker from source, so the test needs no prior build of this package.
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(task)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const output = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`worker exited with ${String(code)}: ${stderr}`);
    const last = stdout.trim().split('\n').pop() ?? '';
    return last;
  });
  // A worker that dies before "ready" must not leave the barrier waiting forever.
  output.catch(() => markReady());
  return { child, ready, output };
}

/**
 * Starts one worker per task, waits until all of them are ready, releases them
 * at once, and resolves each worker's result in task order.
 */
export async function runWorkers<T>(tasks: readonly WorkerTask[]): Promise<T[]> {
  const running = tasks.map(start);
  await Promise.all(running.map((r) => r.ready));
  for (const r of running) r.child.stdin?.end('go\n');
  const outputs = await Promise.all(running.map((r) => r.output));
  return outputs.map((line) => (JSON.parse(line) as { result: T }).result);
}
