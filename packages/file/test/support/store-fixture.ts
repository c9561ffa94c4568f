import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach } from 'vitest';
import { FileStore, type FileStoreOptions } from '../../src/index.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/**
 * Per-test temp directory and store factory: every store a test opens is closed,
 * and the directory removed, after the test.
 */
export function useStoreFixture(): {
  dir: () => string;
  open: (options?: Partial<FileStoreOptions>) => FileStore;
} {
  let dir = '';
  const stores: FileStore[] = [];
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await removeTempDir(dir);
  });
  return {
    dir: () => dir,
    open: (options = {}) => {
      const store = new FileStore({ dir, prefix: 'test', pruneInterval: 0, fsync: false, ...options });
      stores.push(store);
      return store;
    },
  };
}

/** The pid of a process that has certainly exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

/** Polls `condition` every 5 ms until it holds, failing after `timeoutMs`. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 3_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `bytes` as UTF-8 text, or undefined. */
export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** UTF-8 bytes of `value`, as a plain Uint8Array. */
export function bytes(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'utf8'));
}
