/**
 * Runs an example the way `pnpm start` does (the command of its `start` script,
 * from its own `node_modules/.bin`) as a child process — a server on a port the OS
 * picks, stopped with a signal, or a program that ends by itself — so a test proves
 * the real entry point works. Shared by the examples' tests; not part of any example.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The integration suite's rule for a backend that does not answer (skip with the
// reason, fail under CACHE_REQUIRE_ALL=1), reached by path: this folder is no package,
// so it cannot depend on @cache/integration. The type-only import brings in the
// `inject()` keys its global setup declares, which backends.ts reads.
export { describeBackend } from '../../integration/src/backends.js';
import type {} from '../../integration/src/global-setup.js';

/** A started example. */
export interface RunningExample {
  /** Base URL it listens on, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /**
   * Sends `signal` and resolves how the process ended; rejects if it is still
   * running after `timeoutMs` (then it is killed).
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

// What each example prints once it accepts connections (its first `listening on` line).
const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * Runs the `start` script of the example in `dir` with `PORT=0` and `env` over
 * this process's environment (a variable set to `undefined` is removed), and resolves once it printed its address (rejects after `timeoutMs`, or if it exits first).
 */
export async function startExample(
  dir: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 10_000,
): Promise<RunningExample> {
  const child = spawnStartScript(dir, env);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(`did not print its address within ${timeoutMs} ms`), timeoutMs);
    function fail(why: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`example ${dir} ${why}; output:\n${output}`));
    }
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (!settled && match?.[1] !== undefined) {
        settled = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before listening`));
  });
  return {
    url,
    output: () => output,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(`example ${dir} still running ${stopTimeoutMs} ms after ${signal}; output:\n${output}`),
          );
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Runs the `start` script of a program that ends by itself (not a server) with
 * `env`, and resolves its exit code and output; kills it after `timeoutMs`.
 */
export async function runExample(
  dir: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 10_000,
): Promise<{ code: number | null; output: string }> {
  const child = spawnStartScript(dir, env);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

function spawnStartScript(dir: string, env: Record<string, string | undefined>): ChildProcess {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = manifest.scripts?.start;
  if (script === undefined) throw new Error(`${dir}/package.json has no start script`);
  // No shell: a signal then reaches the program (tsx relays it to its node child), not `sh`.
  const [bin, ...args] = script.split(/\s+/);
  if (bin === undefined) throw new Error(`${dir}/package.json has an empty start script`);
  return spawn(join(dir, 'node_modules', '.bin', bin), args, {
    cwd: dir,
    env: Object.fromEntries(
      Object.entries({ ...process.env, PORT: '0', ...env }).filter(([, value]) => value !== undefined),
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
