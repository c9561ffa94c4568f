import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built package that child processes import. */
export const DIST_ENTRY = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Throws a readable error when the package has not been built (children import dist). */
export function assertBuilt(): void {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(`${DIST_ENTRY} is missing: run "pnpm build" in packages/file before these tests`);
  }
}

/** A child Node process running one of `test/fixtures/*.mjs`, with its stdout split into lines. */
export class Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  private stderr = '';
  private readonly waiters: Array<() => void> = [];
  /** Resolves with the exit code (or signal) once the process has exited and its output is all read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * @param fixture - file name under test/fixtures
   * @param args - command-line arguments
   */
  constructor(fixture: string, args: readonly string[]) {
    const script = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
    this.process = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.process.stdout.setEncoding('utf8');
    this.process.stdout.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.process.stderr.setEncoding('utf8');
    this.process.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  /** Resolves with the first line satisfying `predicate`; rejects if the child exits first. */
  async waitForLine(predicate: (line: string) => boolean): Promise<string> {
    for (;;) {
      const found = this.lines.find(predicate);
      if (found !== undefined) return found;
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(
          `child exited (${this.process.exitCode ?? this.process.signalCode}) first: ${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Writes one line to the child's stdin (and closes it with `end`). */
  send(line: string, options: { end?: boolean } = {}): void {
    if (options.end === true) this.process.stdin.end(`${line}\n`);
    else this.process.stdin.write(`${line}\n`);
  }

  /** Waits for a clean exit and returns the last stdout line parsed as JSON. */
  async result<T>(): Promise<T> {
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`child failed (code ${code}, signal ${signal}): ${this.stderr}`);
    const last = this.lines.filter((line) => line.length > 0).at(-1);
    if (last === undefined) throw new Error('child printed nothing');
    return JSON.parse(last) as T;
  }

  /** Kills the child if it is still running. */
  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}
