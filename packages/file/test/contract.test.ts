import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCacheContract, runStoreContract } from '@cache/contract';
import { afterAll } from 'vitest';
import { FileStore } from '../src/index.js';

// Every store of the suite shares one directory, as processes sharing a cache
// folder would; prefixes keep them apart.
const dir = mkdtempSync(join(tmpdir(), 'cache-file-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// fsync off where durability is not what is being checked: same semantics, faster.
const fast = ({ prefix }: { prefix: string }) => new FileStore({ dir, prefix, fsync: false });
const durable = ({ prefix }: { prefix: string }) => new FileStore({ dir, prefix, fsyncDirectory: true });

runStoreContract({ name: 'file', create: fast });
runStoreContract({ name: 'file (fsync file and folder)', create: durable });

runCacheContract({ name: 'file', create: fast });
runCacheContract({
  name: 'file, gzip + aes-256-gcm',
  create: fast,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});
