import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

/**
 * A memcached server process owned by one test file, on a free loopback port,
 * so tests can kill, pause and restart it without touching shared servers.
 */
export class MemcachedProcess {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts memcached on a free port (or `port`) and waits until it accepts connections. */
  static async start(port?: number): Promise<MemcachedProcess> {
    const server = new MemcachedProcess(port ?? (await freePort()));
    await server.restart();
    return server;
  }

  /** (Re)starts the process on the same port. */
  async restart(): Promise<void> {
    if (this.child !== undefined) throw new Error(`memcached on ${this.port} is already running`);
    const child = spawn(
      'memcached',
      ['-l', '127.0.0.1', '-p', String(this.port), '-U', '0', '-m', '64', '-u', 'root'],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const deadline = Date.now() + 5000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null)
        throw new Error(`memcached on port ${this.port} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`memcached on port ${this.port} did not start within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills the process (SIGKILL by default) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill(signal);
    await exited;
  }

  /**
   * Freezes the process (SIGSTOP): connections stay open, nothing is answered.
   * Resolves once the kernel reports it stopped (signal delivery is asynchronous).
   */
  async pause(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    child.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    // Field 3 of /proc/<pid>/stat is the state; "T" is stopped.
    while (!/^\d+ \(.*\) T/.test(await readFile(`/proc/${child.pid}/stat`, 'utf8'))) {
      if (Date.now() > deadline) throw new Error(`memcached ${child.pid} did not stop`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Unfreezes the process (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }
}

const live = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
