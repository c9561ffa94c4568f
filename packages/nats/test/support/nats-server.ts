import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the nats-server binary (override with `NATS_SERVER_BIN`). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** The shared JetStream server the package tests use (override with `NATS_URL`). */
export const SHARED_NATS_URL = process.env.NATS_URL ?? '127.0.0.1:4222';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A private JetStream-enabled nats-server on its own port and store directory,
 * which a test may kill and restart (same port, same data).
 */
export class PrivateNatsServer {
  #process: ChildProcess | undefined;
  #storeDir = mkdtempSync(join(tmpdir(), 'cache-nats-'));

  private constructor(readonly port: number) {}

  /** Starts a server on a free port and waits until it accepts connections. */
  static async start(): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort());
    await server.restart();
    return server;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /**
   * (Re)starts the process on the same port, with the same store directory, or
   * with an empty one when `wipe` is set (a server that lost its data).
   */
  async restart({ wipe = false }: { wipe?: boolean } = {}): Promise<void> {
    if (this.#process !== undefined) throw new Error('nats-server is already running');
    if (wipe) {
      rmSync(this.#storeDir, { recursive: true, force: true });
      this.#storeDir = mkdtempSync(join(tmpdir(), 'cache-nats-'));
    }
    const child = spawn(
      NATS_SERVER_BIN,
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.#storeDir],
      {
        stdio: 'ignore',
      },
    );
    this.#process = child;
    child.once('exit', () => {
      if (this.#process === child) this.#process = undefined;
    });
    await pollUntil('nats-server did not accept connections', 10_000, () => accepts(this.port));
  }

  /** SIGKILLs the server (no graceful shutdown) and waits until the port is closed. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.#process = undefined;
    await pollUntil('nats-server port still open', 5_000, async () => !(await accepts(this.port)));
  }

  /** Kills the server and removes its store directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#storeDir, { recursive: true, force: true });
  }
}
