import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DYNALITE_CLI = createRequire(import.meta.url).resolve('dynalite/cli.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function pollUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * dynalite as a separate process with a LevelDB directory, so a test can
 * SIGKILL it like a crashed server and restart it on the same port with the
 * same data.
 */
export class DynaliteProcess {
  #child: ChildProcess | undefined;
  #dataDir = mkdtempSync(join(tmpdir(), 'cache-dynalite-'));

  private constructor(readonly port: number) {}

  /** Starts dynalite on a free port. */
  static async start(): Promise<DynaliteProcess> {
    const server = new DynaliteProcess(await freePort());
    await server.restart();
    return server;
  }

  /** `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the process on the same port, with its data, or empty when `wipe` is set. */
  async restart({ wipe = false }: { wipe?: boolean } = {}): Promise<void> {
    if (this.#child !== undefined) throw new Error('dynalite is already running');
    if (wipe) {
      rmSync(this.#dataDir, { recursive: true, force: true });
      this.#dataDir = mkdtempSync(join(tmpdir(), 'cache-dynalite-'));
    }
    const args = [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(this.port), '--path', this.#dataDir];
    args.push('--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0');
    this.#child = spawn(process.execPath, args, { stdio: 'ignore' });
    await pollUntil('dynalite did not start', () => accepts(this.port));
  }

  /** SIGKILLs the process and waits until the port is closed. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.#child = undefined;
    await pollUntil('dynalite port still open', async () => !(await accepts(this.port)));
  }

  /** Kills the process and removes its data. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
