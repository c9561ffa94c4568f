import { randomBytes } from 'node:crypto';
import { fromUtf8, StoreError, utf8 } from '@cache/core';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectKv, KvRequestError } from '../src/direct-kv.js';
import { NatsStore } from '../src/index.js';
import { isWrongLastSequence } from '../src/nats-errors.js';
import { SHARED_NATS_URL } from './support/nats-server.js';

const HOUR = 3_600_000;
const DEADLINE_MS = 300;

let nc: NatsConnection;
const closers: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  nc = await connect({ servers: SHARED_NATS_URL });
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await nc.close();
});

const unique = (label: string): string => `${label}_${randomBytes(4).toString('hex')}`;

/** A DirectKv on a bucket nobody else uses; the test plays JetStream itself when it needs to. */
function directOn(bucket: string, timeoutMs = DEADLINE_MS): DirectKv {
  const direct = new DirectKv(nc, bucket, timeoutMs);
  closers.push(() => direct.close(new Error('test over')));
  return direct;
}

/** Answers every direct get and publish of `bucket` with `reply(subject)` (or never, for `undefined`). */
function fakeJetStream(bucket: string, reply: (subject: string) => string | undefined): void {
  for (const subject of [`$JS.API.DIRECT.GET.KV_${bucket}.>`, `$KV.${bucket}.>`]) {
    const subscription = nc.subscribe(subject, {
      callback: (_error, msg) => {
        const answer = reply(msg.subject);
        if (answer !== undefined) msg.respond(utf8(answer));
      },
    });
    closers.push(() => subscription.unsubscribe());
  }
}

describe('DirectKv (the hot path of get and set)', () => {
  it('reads and writes the same messages nats.js kv.get and kv.put do', async () => {
    const bucket = unique('direct');
    const kv = await nc.jetstream().views.kv(bucket, { history: 1 });
    closers.push(() => kv.destroy());
    const direct = directOn(bucket, 2_000);

    await kv.put('a.b', utf8('from nats.js'));
    const read = await direct.get('a.b');
    expect(read?.operation).toBe('PUT');
    expect(fromUtf8(read?.value as Uint8Array)).toBe('from nats.js');
    expect(read?.revision).toBe((await kv.get('a.b'))?.revision);

    const revision = await direct.put('a.b', utf8('from DirectKv'));
    const entry = await kv.get('a.b');
    expect(entry?.revision).toBe(revision);
    expect(fromUtf8(entry?.value as Uint8Array)).toBe('from DirectKv');

    await kv.delete('a.b');
    expect((await direct.get('a.b'))?.operation).toBe('DEL');
    expect(await direct.get('never.written')).toBeNull();
  });

  it('without a stream: a put finds no responder (503), a direct get gets no reply (TIMEOUT)', async () => {
    const direct = directOn(unique('nobucket'));
    await expect(direct.put('k', utf8('v'))).rejects.toMatchObject({ name: 'KvRequestError', code: '503' });
    // JetStream itself owns the direct-get subjects and stays silent for an unknown stream.
    await expect(direct.get('k')).rejects.toMatchObject({ name: 'KvRequestError', code: 'TIMEOUT' });
  });

  it('rejects with TIMEOUT at the deadline when no reply comes', async () => {
    const bucket = unique('silent');
    fakeJetStream(bucket, () => undefined);
    const direct = directOn(bucket);
    const started = performance.now();
    const error = await direct.get('k').catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(KvRequestError);
    expect((error as KvRequestError).code).toBe('TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 500);
  });

  it('drops a reply that comes after the deadline; the next request gets its own reply', async () => {
    const bucket = unique('late');
    let answered = 0;
    let lateSent = false;
    const subscription = nc.subscribe(`$KV.${bucket}.>`, {
      callback: (_error, msg) => {
        const seq = ++answered;
        const respond = () => msg.respond(utf8(`{"stream":"KV_${bucket}","seq":${seq}}`));
        if (seq > 1) respond();
        else
          setTimeout(() => {
            respond();
            lateSent = true;
          }, DEADLINE_MS + 100);
      },
    });
    closers.push(() => subscription.unsubscribe());
    const direct = directOn(bucket);
    await expect(direct.put('k', utf8('v'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    await vi.waitFor(() => expect(lateSent).toBe(true));
    // The first request's reply (seq 1) is in flight or dropped: this one gets seq 2.
    expect(await direct.put('k', utf8('v'))).toBe(2);
  });

  it('turns a JetStream API error into api_error (so a lost revision race is recognised)', async () => {
    const bucket = unique('refuses');
    fakeJetStream(
      bucket,
      () => '{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 4"}}',
    );
    const error = await directOn(bucket)
      .put('k', utf8('v'))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: '400', message: 'wrong last sequence: 4' });
    expect(isWrongLastSequence(error)).toBe(true);
  });

  it('rejects an acknowledgement that is not one with BAD_REPLY', async () => {
    const bucket = unique('garbage');
    fakeJetStream(bucket, () => 'not json');
    await expect(directOn(bucket).put('k', utf8('v'))).rejects.toMatchObject({ code: 'BAD_REPLY' });
  });

  it('failAll rejects every request waiting for a reply at once', async () => {
    const bucket = unique('pending');
    fakeJetStream(bucket, () => undefined);
    const direct = directOn(bucket, 10_000);
    const waiting = [direct.get('a'), direct.put('b', utf8('v'))].map((call) =>
      call.catch((caught: unknown) => caught),
    );
    const cause = new Error('dropped');
    direct.failAll(cause);
    expect(await Promise.all(waiting)).toEqual([cause, cause]);
  });
});

describe('NatsStore and the direct path', () => {
  it('serves get and set without nats.js requests on a bucket that allows direct gets', async () => {
    const connection = await connect({ servers: SHARED_NATS_URL });
    closers.push(() => connection.close());
    const store = new NatsStore({ connection, bucket: unique('fast'), prefix: 'p' });
    closers.push(async () => {
      await store.flush();
      await store.close();
    });
    await store.set('warm', utf8('up'), HOUR);
    const requests = vi.spyOn(connection, 'request');
    await store.set('k', utf8('v'), HOUR);
    expect(fromUtf8((await store.get('k')) as Uint8Array)).toBe('v');
    expect(await store.get('missing')).toBeUndefined();
    expect(requests).not.toHaveBeenCalled();
  });

  it('falls back to kv.get/kv.put on a bucket without allow_direct, with the same results', async () => {
    const bucket = unique('nodirect');
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, allow_direct: false });
    closers.push(() => kv.destroy());
    const connection = await connect({ servers: SHARED_NATS_URL });
    closers.push(() => connection.close());
    const store = new NatsStore({ connection, bucket, prefix: 'p' });
    closers.push(() => store.close());
    const requests = vi.spyOn(connection, 'request');
    await store.set('k', utf8('v'), HOUR);
    expect(fromUtf8((await store.get('k')) as Uint8Array)).toBe('v');
    expect(await store.get('missing')).toBeUndefined();
    expect(requests).toHaveBeenCalled();
  });

  it('wraps a fast-path failure in StoreError', async () => {
    const connection = await connect({ servers: SHARED_NATS_URL });
    closers.push(() => connection.close());
    const bucket = unique('wrapped');
    const store = new NatsStore({ connection, bucket, prefix: 'p', timeout: DEADLINE_MS });
    closers.push(() => store.close());
    await store.set('k', utf8('v'), HOUR);
    // The bucket disappears behind the store's back: a put finds no responder.
    await (await nc.jetstream().views.kv(bucket)).destroy();
    const error = await store.set('k', utf8('v'), HOUR).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toMatchObject({ name: 'KvRequestError', code: '503' });
    // ...and the store looks the bucket up again (re-creating it) on the next call.
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), { timeout: 5_000 });
  });
});
