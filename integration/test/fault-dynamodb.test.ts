import { DynamoStore } from '@cache/dynamodb';
import { vi } from 'vitest';
import { runFaultRecoverySuite } from '../src/fault-recovery.js';
import { DYNALITE_SERVER, dynamoClientOptions } from './support/dynamodb-local.js';

vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');

// dynalite in memory as its own process: the restarted server has lost the
// table, so recovery includes the store creating it again.
runFaultRecoverySuite({
  name: 'dynamodb (own dynalite process, SIGKILL)',
  server: DYNALITE_SERVER,
  createStore: (port, prefix) =>
    new DynamoStore({ ...dynamoClientOptions(`http://127.0.0.1:${port}`), table: 'fault_entries', prefix }),
});
