/**
 * Private servers for the networked benchmarks: each bench starts its own server on
 * a free loopback port when the binary is installed, so other users of the shared
 * servers neither disturb the timings nor the command counts. The process handling
 * is the integration suite's (`ServerProcess`).
 *
 * @packageDocumentation
 */

import { freePort, REDIS_SERVER, type ServerCommand, ServerProcess } from '@cache/integration/servers';

/** A server process this bench started. */
export interface PrivateServer {
  /** Its loopback port. */
  readonly port: number;
  /** Stops it and runs the clean-up. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts `server` on a free port and waits until it accepts connections. Resolves
 * `undefined` (after `cleanUp`) when the binary is missing or never listens, so the
 * bench can fall back to the shared server.
 */
export async function startPrivateServer(
  server: ServerCommand,
  cleanUp: () => void = () => {},
): Promise<PrivateServer | undefined> {
  const child = new ServerProcess(server, await freePort());
  try {
    await child.start();
  } catch {
    cleanUp();
    return undefined;
  }
  return {
    port: child.port,
    stop: async () => {
      await child.kill();
      cleanUp();
    },
  };
}

/**
 * A private redis-server when the binary is installed, else the shared one
 * (`CACHE_REDIS_URL`, default `redis://127.0.0.1:6379`): its URL, and the server to
 * stop at the end (`undefined` for the shared one).
 */
export async function privateRedis(): Promise<{ url: string; server: PrivateServer | undefined }> {
  const server = await startPrivateServer(REDIS_SERVER);
  const url =
    server === undefined
      ? (process.env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6379')
      : `redis://127.0.0.1:${server.port}`;
  return { url, server };
}
