import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { canConnect } from './tcp.js';

/** How to run a server binary in the foreground on a given port. */
export interface ServerCommand {
  /** Human-readable name for errors. */
  readonly name: string;
  /** Executable. */
  readonly command: string;
  /** Arguments for `port`. */
  readonly args: (port: number) => string[];
}

/**
 * A Redis with no persistence, in the foreground. Replication still writes an RDB
 * snapshot (a Sentinel set's primary and replicas), so it goes to the system's temp
 * directory under a per-port name, never into the working directory.
 */
export const REDIS_SERVER: ServerCommand = {
  name: 'redis-server',
  command: 'redis-server',
  args: (port) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    tmpdir(),
    '--dbfilename',
    `cache-test-${port}.rdb`,
  ],
};

/** A memcached on TCP only, in the foreground (root needs `-u`). */
export const MEMCACHED_SERVER: ServerCommand = {
  name: 'memcached',
  command: 'memcached',
  args: (port) => [
    '-l',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    '0',
    '-m',
    '32',
    ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
  ],
};

/**
 * A nats-server with JetStream in the foreground (`NATS_SERVER_BIN`, default
 * `/usr/sbin/nats-server`); `storeDir()` is called at each start, so a restart
 * can begin with an empty store.
 */
export function natsServer(storeDir: () => string): ServerCommand {
  return {
    name: 'nats-server',
    command: process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server',
    args: (port) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir()],
  };
}

/**
 * A server process a test owns: started on its own port, killed with SIGKILL to
 * simulate a crash, and restarted on the same port.
 */
export class ServerProcess {
  #child: ChildProcess | undefined;

  /**
   * @param server - what to run
   * @param port - the port it listens on, across restarts
   */
  constructor(
    readonly server: ServerCommand,
    readonly port: number,
  ) {}

  /** Starts the server and resolves once it accepts TCP connections (within 10 s). */
  async start(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`${this.server.name} is already running`);
    const child = spawn(this.server.command, this.server.args(this.port), { stdio: 'ignore' });
    this.#child = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${this.server.name} exited with ${code}`)));
    });
    exited.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const ready = await Promise.race([canConnect({ host: '127.0.0.1', port: this.port }, 200), exited]);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.kill();
    throw new Error(`${this.server.name} did not listen on ${this.port} within 10 s`);
  }

  /** Kills the server with SIGKILL (no shutdown, like a crash) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }
}
