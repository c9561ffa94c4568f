import { AssertionError } from 'node:assert';
import type { Cache } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { createFake } from '../src/index.js';

/** A tiny application service, as a user would write one. */
class UserService {
  loads = 0;
  constructor(private readonly cache: Cache) {}

  find(id: number): Promise<{ id: number; name: string; seenAt: Date }> {
    return this.cache.remember(`user:${id}`, '10m', async () => {
      this.loads++;
      return { id, name: `user ${id}`, seenAt: new Date(0) };
    });
  }

  async rename(id: number): Promise<void> {
    await this.cache.delete(`user:${id}`);
  }
}

describe('createFake in an application unit test', () => {
  it('records facade calls and offers assertions', async () => {
    const fake = createFake();
    const service = new UserService(fake.cache);
    const first = await service.find(1);
    await service.find(1);
    expect(service.loads).toBe(1);
    // copy mode: the value went through JSON, as it would on Redis
    expect(first.seenAt).toBeInstanceOf(Date);
    expect((await service.find(1)).seenAt).toBe('1970-01-01T00:00:00.000Z');
    fake.assertCalled('remember', 'user:1', 3);
    fake.assertCalled('remember', 'user:1');
    fake.assertNotCalled('delete', 'user:1');
    fake.assertTotal('remember', 3);
    expect(fake.count('remember', 'user:2')).toBe(0);
    await service.rename(1);
    fake.assertCalled('delete', 'user:1', 1);
    expect(fake.calls.at(-1)).toEqual({ op: 'delete', key: 'user:1', hit: undefined, failed: false });
  });

  it('throws a standard AssertionError with a helpful message', async () => {
    const fake = createFake();
    await fake.cache.get('a');
    expect(() => fake.assertCalled('get', 'b')).toThrow(AssertionError);
    expect(() => fake.assertCalled('get', 'a', 2)).toThrow(/called 1 time\(s\); recorded: get\(a\)/);
    expect(() => fake.assertNotCalled('get', 'a')).toThrow(AssertionError);
    expect(() => fake.assertTotal('set', 1)).toThrow(AssertionError);
  });

  it('reset forgets calls and data; resetCalls keeps data', async () => {
    const fake = createFake({ values: 'reference' });
    await fake.cache.set('k', { n: 1 });
    fake.resetCalls();
    expect(fake.calls).toHaveLength(0);
    expect(await fake.cache.get('k')).toEqual({ n: 1 });
    await fake.reset();
    expect(fake.calls).toHaveLength(0);
    expect(await fake.cache.get('k')).toBeUndefined();
    expect(fake.total('get')).toBe(1);
  });

  it('records failed calls', async () => {
    const fake = createFake();
    await expect(fake.cache.set('k', undefined)).rejects.toThrow();
    expect(fake.calls).toEqual([{ op: 'set', key: 'k', hit: undefined, failed: true }]);
  });
});
