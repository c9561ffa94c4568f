import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsStore } from '@cache/nats';
import { afterAll } from 'vitest';
import { runFaultRecoverySuite } from '../src/fault-recovery.js';
import { natsServer } from '../src/server-process.js';

// Each start gets an empty JetStream store directory: the restarted server has
// lost the bucket, so recovery includes the store re-creating it.
const root = mkdtempSync(join(tmpdir(), 'cache-it-nats-'));
let starts = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

runFaultRecoverySuite({
  name: 'nats (own nats-server with JetStream, SIGKILL)',
  server: natsServer(() => join(root, `run-${++starts}`)),
  createStore: (port, prefix) => new NatsStore({ servers: `127.0.0.1:${port}`, bucket: 'fault', prefix }),
});
