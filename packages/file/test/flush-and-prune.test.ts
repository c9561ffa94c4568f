import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_TAG } from '../src/host-identity.js';
import { keyPaths } from '../src/layout.js';
import { bytes, deadPid, eventually, text, useStoreFixture } from './support/store-fixture.js';

/** Every file name in a store's fan-out folders. */
async function fileNames(folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const fanout of await readdir(folder)) names.push(...(await readdir(join(folder, fanout))));
  return names.sort();
}

function tempName(hash: string, hostTag: string, pid: number): string {
  return `${hash}.${hostTag}.${pid}.0123456789abcdef.tmp`;
}

const MINUTE_AGO = () => new Date(Date.now() - 60_000);

describe('flush', () => {
  const fixture = useStoreFixture();

  it('removes every entry of its prefix, and nothing else', async () => {
    const store = fixture.open({ prefix: 'mine' });
    const neighbour = fixture.open({ prefix: 'neighbour' });
    const similar = fixture.open({ prefix: 'mine ' }); // sanitizes like "mine_"
    await store.setMany(
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: bytes(`v${i}`), ttl: 0 })),
    );
    await neighbour.set('k1', bytes('neighbour'), 0);
    await similar.set('k1', bytes('similar'), 0);
    // Files a user (or another program) put in and around the store's folder.
    const strangers = [
      join(fixture.dir(), 'README.txt'),
      join(store.directory, 'notes.txt'),
      join(keyPaths(store.directory, 'k1').folder, 'not-an-entry.entry'),
      join(keyPaths(store.directory, 'k1').folder, `${'A'.repeat(64)}.entry`),
    ];
    for (const path of strangers) await writeFile(path, 'keep me');

    await store.flush();

    expect((await store.getMany(['k0', 'k1', 'k49'])).every((v) => v === undefined)).toBe(true);
    expect(text(await neighbour.get('k1'))).toBe('neighbour');
    expect(text(await similar.get('k1'))).toBe('similar');
    for (const path of strangers) expect(await readFile(path, 'utf8')).toBe('keep me');
    // The store keeps working after a flush.
    await store.set('k1', bytes('again'), 0);
    expect(text(await store.get('k1'))).toBe('again');
  });

  it('leaves a lock in use alone, so a locked operation is not disturbed', async () => {
    const store = fixture.open({ lockTimeout: 200 });
    const { lock, folder } = keyPaths(store.directory, 'k');
    await mkdir(folder, { recursive: true });
    await writeFile(lock, JSON.stringify({ host: HOST_TAG, pid: process.pid, token: 'x', at: Date.now() }));
    await store.flush();
    expect(await readFile(lock, 'utf8')).toContain('"token":"x"');
  });
});

describe('prune', () => {
  const fixture = useStoreFixture();

  it('removes expired and damaged entries and keeps live ones', async () => {
    const store = fixture.open();
    const writtenAt = Date.now();
    await store.setMany([
      ...Array.from({ length: 10 }, (_, i) => ({ key: `expiring${i}`, value: bytes('x'), ttl: 1 })),
      { key: 'live', value: bytes('live'), ttl: 60_000 },
      { key: 'forever', value: bytes('forever'), ttl: 0 },
      { key: 'damaged', value: bytes('damaged'), ttl: 0 },
    ]);
    const damaged = keyPaths(store.directory, 'damaged').entry;
    await writeFile(damaged, (await readFile(damaged)).subarray(0, 40));
    await eventually(() => Date.now() > writtenAt + 1);

    expect(await store.prune()).toBe(11);
    expect(await fileNames(store.directory)).toEqual(
      [keyPaths(store.directory, 'live').hash, keyPaths(store.directory, 'forever').hash]
        .map((hash) => `${hash}.entry`)
        .sort(),
    );
    expect(text(await store.get('live'))).toBe('live');
    expect(await store.prune()).toBe(0);
  });

  it('removes orphaned temp files: at once when their writer is a dead local process, else when old', async () => {
    const store = fixture.open();
    await store.set('k', bytes('v'), 0);
    const { folder, hash } = keyPaths(store.directory, 'k');
    const dead = join(folder, tempName(hash, HOST_TAG, deadPid()));
    const mineInFlight = join(folder, tempName(hash, HOST_TAG, process.pid));
    const otherHostFresh = join(folder, tempName(hash, 'ffffffff', 1));
    const otherHostOld = join(folder, tempName(hash, 'eeeeeeee', 1));
    for (const path of [dead, mineInFlight, otherHostFresh, otherHostOld]) await writeFile(path, 'partial');
    await utimes(otherHostOld, MINUTE_AGO(), MINUTE_AGO());

    const pruned = fixture.open({ staleTempAge: 30_000 });
    expect(await pruned.prune()).toBe(2);
    const left = await fileNames(store.directory);
    expect(left).toContain(`${hash}.entry`);
    expect(left).toContain(tempName(hash, HOST_TAG, process.pid));
    expect(left).toContain(tempName(hash, 'ffffffff', 1));
    expect(left).toHaveLength(3);
  });

  it('removes abandoned locks and lock-breaking guards, and keeps live ones', async () => {
    const store = fixture.open({ staleLockAge: 30_000 });
    const owner = (pid: number, host = HOST_TAG) => JSON.stringify({ host, pid, token: 't', at: 0 });
    const dead = keyPaths(store.directory, 'dead');
    const old = keyPaths(store.directory, 'old');
    const live = keyPaths(store.directory, 'live');
    const guard = keyPaths(store.directory, 'guard');
    for (const paths of [dead, old, live, guard]) await mkdir(paths.folder, { recursive: true });
    await writeFile(dead.lock, owner(deadPid()));
    await writeFile(old.lock, owner(1, 'eeeeeeee'));
    await utimes(old.lock, MINUTE_AGO(), MINUTE_AGO());
    await writeFile(live.lock, owner(process.pid));
    await writeFile(guard.breaker, '');
    await utimes(guard.breaker, MINUTE_AGO(), MINUTE_AGO());

    expect(await store.prune()).toBe(3);
    expect(await fileNames(store.directory)).toEqual([`${live.hash}.lock`]);
  });

  it('removes at most `limit` files per call and resumes where it stopped', async () => {
    const store = fixture.open();
    const writtenAt = Date.now();
    await store.setMany(Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: bytes('x'), ttl: 1 })));
    await eventually(() => Date.now() > writtenAt + 1);
    const counts: number[] = [];
    for (let call = 0; call < 6; call++) counts.push(await store.prune({ limit: 7 }));
    expect(counts).toEqual([7, 7, 7, 7, 7, 5]);
    expect(await fileNames(store.directory)).toEqual([]);
    await expect(store.prune({ limit: 0 })).rejects.toMatchObject({ code: 'CACHE_INVALID_VALUE' });
  });

  it('runs in the background when pruneInterval is set, and stops on close', async () => {
    const store = fixture.open({ pruneInterval: 20 });
    await store.set('short', bytes('x'), 1);
    await store.set('kept', bytes('x'), 0);
    // Never read again: only the background prune can remove it.
    await eventually(async () => (await fileNames(store.directory)).length === 1);
    await store.close();
    const writer = fixture.open();
    await writer.set('short-after-close', bytes('x'), 1);
    // A negative: nothing to poll for, so give a closed store's timer four periods to misbehave.
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await fileNames(store.directory)).toHaveLength(2);
  });
});
