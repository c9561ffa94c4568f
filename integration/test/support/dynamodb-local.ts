import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { DynamoStoreOptions } from '@cache/dynamodb';
import dynalite from 'dynalite';
import { afterAll, vi } from 'vitest';
import type { ServerCommand } from '../../src/server-process.js';

/**
 * DynamoDB for the integration suite. With `CACHE_DYNAMODB_ENDPOINT` set, that
 * endpoint is used (DynamoDB Local, LocalStack, dynalite elsewhere). Without it,
 * the test file starts dynalite in-process on a free port and points the
 * variable at it for the file's lifetime, so `describeBackend('dynamodb')` finds
 * it; child processes of the file reach the same port.
 */

/** Path of dynalite's CLI, for tests that run it as a separate (killable) process. */
export const DYNALITE_CLI = createRequire(import.meta.url).resolve('dynalite/cli.js');

/** dynalite in the foreground, in memory (a restart loses everything, like a crash without persistence). */
export const DYNALITE_SERVER: ServerCommand = {
  name: 'dynalite',
  command: process.execPath,
  args: (port) => [
    DYNALITE_CLI,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--createTableMs',
    '0',
    '--deleteTableMs',
    '0',
    '--updateTableMs',
    '0',
  ],
};

/**
 * Starts dynalite in this process unless `CACHE_DYNAMODB_ENDPOINT` is set, and
 * stops it after the file. Call at the top level of a test file, before
 * `describeBackend('dynamodb', …)`.
 */
export async function useLocalDynamoUnlessConfigured(): Promise<void> {
  // The SDK warns once per process that Node 20 support ends in 2027: not news in a test log.
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  if ((process.env.CACHE_DYNAMODB_ENDPOINT ?? '').trim() !== '') return;
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vi.stubEnv('CACHE_DYNAMODB_ENDPOINT', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  afterAll(async () => {
    vi.unstubAllEnvs();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/**
 * Client settings for `endpoint`: a region, and dummy credentials unless real
 * ones are in the environment (dynalite checks presence, not value).
 */
export function dynamoClientOptions(endpoint: string): Omit<DynamoStoreOptions, 'prefix'> {
  const hasCredentials = (process.env.AWS_ACCESS_KEY_ID ?? '') !== '';
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}
