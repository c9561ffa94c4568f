import { stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { FileStore, type FileStoreOptions } from '../src/index.js';
import { keyPaths } from '../src/layout.js';
import { bytes, text, useStoreFixture } from './support/store-fixture.js';

describe('configuration', () => {
  it.each([
    ['no dir', { dir: '', prefix: 'p' }],
    ['dir with NUL', { dir: '/tmp/a\0b', prefix: 'p' }],
    ['no prefix (a directory may be shared)', { dir: '/tmp' }],
    ['empty prefix', { dir: '/tmp', prefix: '' }],
    ['prefix with a lone surrogate', { dir: '/tmp', prefix: 'a\uD800b' }],
    ['prefix with a newline', { dir: '/tmp', prefix: 'a\nb' }],
    ['prefix with NUL', { dir: '/tmp', prefix: 'a\0b' }],
    ['prefix over 256 characters', { dir: '/tmp', prefix: 'p'.repeat(257) }],
    ['negative lockTimeout', { dir: '/tmp', prefix: 'p', lockTimeout: -1 }],
    ['zero staleLockAge', { dir: '/tmp', prefix: 'p', staleLockAge: 0 }],
    ['unparseable staleTempAge', { dir: '/tmp', prefix: 'p', staleTempAge: '10 parsecs' }],
    ['pruneInterval past the timer range', { dir: '/tmp', prefix: 'p', pruneInterval: '30d' }],
    ['zero concurrency', { dir: '/tmp', prefix: 'p', concurrency: 0 }],
    ['fsync not a boolean', { dir: '/tmp', prefix: 'p', fsync: 'yes' }],
    ['bad fileMode', { dir: '/tmp', prefix: 'p', fileMode: 0o10000 }],
  ])('rejects %s with a ConfigError', (_, options) => {
    expect(() => new FileStore(options as unknown as FileStoreOptions)).toThrow(ConfigError);
  });

  it.each([
    ['pruneIntervalMs', 'pruneInterval'],
    ['lockTimeoutMs', 'lockTimeout'],
    ['staleLockMs', 'staleLockAge'],
    ['staleTempMs', 'staleTempAge'],
  ])('refuses the renamed option %s, naming %s', (old, now) => {
    const options = { dir: '/tmp', prefix: 'p', [old]: 1_000 } as unknown as FileStoreOptions;
    expect(() => new FileStore(options)).toThrow(new RegExp(`"${old}" is now called "${now}"`));
  });

  it('takes its durations in ms or as strings', async () => {
    const fixture = { dir: '/tmp', prefix: 'durations' };
    const store = new FileStore({
      ...fixture,
      lockTimeout: '2s',
      staleLockAge: '1m',
      staleTempAge: '1h',
      pruneInterval: 0,
    });
    const settings = (store as unknown as { settings: Record<string, number> }).settings;
    expect([
      settings.lockTimeoutMs,
      settings.staleLockMs,
      settings.staleTempMs,
      settings.pruneIntervalMs,
    ]).toEqual([2_000, 60_000, 3_600_000, 0]);
    await store.close();
  });

  it('does no I/O until the first write', async () => {
    const dir = join('/tmp', `cache-file-never-created-${process.pid}`);
    const store = new FileStore({ dir, prefix: 'p', pruneInterval: 0 });
    expect(await store.get('k')).toBeUndefined();
    await store.flush();
    expect(await store.prune()).toBe(0);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.close();
  });

  it('reports its name and capabilities', () => {
    const store = new FileStore({ dir: '/tmp', prefix: 'p', pruneInterval: 0 });
    expect(store.name).toBe('file');
    expect(store.capabilities).toEqual({ shared: true, durable: true, ttlResolutionMs: 1 });
  });
});

describe('on-disk layout', () => {
  const fixture = useStoreFixture();

  it('keeps each prefix in its own folder inside dir, whatever the prefix', async () => {
    const prefixes = ['app', '../../escape', 'a/b', 'a:b', 'a_b', '.hidden', 'ünïcödé', 'x'.repeat(256)];
    const folders = new Set<string>();
    for (const prefix of prefixes) {
      const store = fixture.open({ prefix });
      const rel = relative(fixture.dir(), store.directory);
      // One plain folder name directly under dir.
      expect(rel).toMatch(/^[A-Za-z0-9_-]{1,32}-[0-9a-f]{16}$/);
      folders.add(rel);
      await store.set('k', bytes(prefix), 0);
    }
    expect(folders.size).toBe(prefixes.length);
    for (const prefix of prefixes) expect(text(await fixture.open({ prefix }).get('k'))).toBe(prefix);
  });

  it('stores an entry as <prefix folder>/<2 hex>/<sha256>.entry with private permissions', async () => {
    const store = fixture.open({ prefix: 'layout' });
    await store.set('some key', bytes('v'), 0);
    const { entry, hash } = keyPaths(store.directory, 'some key');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(dirname(entry)).toBe(join(store.directory, hash.slice(0, 2)));
    const info = await stat(entry);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
  });

  it('honours fileMode and dirMode', async () => {
    const store = fixture.open({ prefix: 'modes', fileMode: 0o640, dirMode: 0o750 });
    await store.set('k', bytes('v'), 0);
    expect((await stat(keyPaths(store.directory, 'k').entry)).mode & 0o777).toBe(0o640);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o750);
  });
});
