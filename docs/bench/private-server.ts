/**
 * Private server processes for the networked benchmarks: each bench starts its own
 * server on a free loopback port when the binary is installed, so other users of the
 * shared servers neither disturb the timings nor the command counts.
 *
 * @packageDocumentation
 */

import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A server process this bench started. */
export interface PrivateServer {
  /** Its loopback port. */
  readonly port: number;
  /** Terminates it (SIGTERM). */
  readonly stop: () => void;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether a TCP connection to 127.0.0.1:`port` opens. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `command args(port)` on a free port and waits (up to ~5 s) until it accepts
 * connections. Resolves `undefined` when the binary is missing or never listens, so the
 * bench can fall back to the shared server.
 */
export async function startPrivateServer(
  command: string,
  args: (port: number) => readonly string[],
  cleanUp: () => void = () => {},
): Promise<PrivateServer | undefined> {
  const port = await freePort();
  const child = spawn(command, [...args(port)], { stdio: 'ignore' });
  let failed = false;
  child.once('error', () => {
    failed = true;
  });
  const stop = (): void => {
    child.kill('SIGTERM');
    cleanUp();
  };
  for (let attempt = 0; attempt < 200 && !failed; attempt++) {
    if (await accepts(port)) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  cleanUp();
  return undefined;
}
