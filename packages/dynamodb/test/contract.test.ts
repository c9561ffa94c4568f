import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import { afterAll } from 'vitest';
import { DynamoStore } from '../src/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalDynamo } from './support/dynalite-server.js';

// The shared @cache/contract suites against an in-process dynalite, one fresh
// table per run; every store gets a fresh `ct_…` prefix (partition).
const dynamo = await LocalDynamo.start();
const table = `contract_${randomBytes(4).toString('hex')}`;

afterAll(() => dynamo.stop());

const create = ({ prefix }: { prefix: string }) =>
  new DynamoStore({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    table,
    prefix,
  });

runStoreContract({ name: 'dynamodb', create });
runCacheContract({ name: 'dynamodb', create });
