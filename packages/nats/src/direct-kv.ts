import { DeadlineQueue } from '@cache/core';
import { createInbox, Empty, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';

/**
 * The KV reads and plain writes of the store's hot path, sent as the JetStream
 * requests nats.js' `kv.get` and `kv.put` send (a direct get of the last message on
 * the key's subject; a publish to it that JetStream acknowledges), without nats.js'
 * per-request machinery.
 *
 * Why: every nats.js request builds a request object with an `Error` for its async
 * stack trace, a timeout `Error` and a timer, a `Promise.race`, and, once answered,
 * a "cancelled" `Error` for the already settled request; `kv.get` adds two
 * generator frames and an entry object. Measured on a 212-byte value against a
 * private nats-server: 2.6× the wall time and CPU of the same request sent like
 * this. Here one wildcard subscription on a private inbox receives every reply,
 * a map finds the caller by the reply subject's last token, and one
 * {@link DeadlineQueue} (one timer for all requests) keeps the store's `timeout`.
 *
 * Used only for a plain bucket that allows direct gets (`allow_direct`, no mirror);
 * `NatsSessionManager` decides. Revision-checked writes and deletes still go through
 * nats.js (they need headers and are not on the hot path).
 */

/** What a direct get found on a key's subject. */
export interface DirectEntry {
  /** The stream sequence of the key's last message. */
  readonly revision: number;
  /** `PUT` for a value, `DEL`/`PURGE` for a delete marker. */
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  /** The message data (the store's envelope). */
  readonly value: Uint8Array;
}

/** JetStream API error details, as nats.js exposes them (`api_error`), so `nats-errors.ts` reads both alike. */
export interface KvApiError {
  readonly code: number;
  readonly err_code: number;
  readonly description: string;
}

/**
 * A fast-path request that failed: no reply within the deadline (`code: 'TIMEOUT'`),
 * no JetStream responder (`'503'`), another status, or a JetStream API error
 * (`api_error`). The store wraps it in a `StoreError`.
 */
export class KvRequestError extends Error {
  /** `'TIMEOUT'`, the reply's status code as text, or `'BAD_REPLY'`. */
  readonly code: string;
  /** The JetStream API error of a refused publish. */
  readonly api_error: KvApiError | undefined;

  /**
   * @param message - what failed
   * @param code - see {@link KvRequestError.code}
   * @param apiError - the JetStream API error, if any
   */
  constructor(message: string, code: string, apiError?: KvApiError) {
    super(message);
    this.name = 'KvRequestError';
    this.code = code;
    this.api_error = apiError;
  }
}

const KV_OPERATION = 'KV-Operation';
const SEQUENCE = 'Nats-Sequence';
const SUBJECT = 'Nats-Subject';

const decoder = new TextDecoder();

/** One request waiting for its reply. */
interface Pending {
  readonly settle: (reply: Msg) => void;
  readonly fail: (error: Error) => void;
}

/** Direct gets and plain puts on one bucket over one connection; see the module comment. */
export class DirectKv {
  readonly #connection: NatsConnection;
  readonly #inbox: string;
  readonly #subscription: Subscription;
  readonly #pending = new Map<string, Pending>();
  readonly #deadlines: DeadlineQueue;
  readonly #timeoutMs: number;
  /** `$KV.<bucket>.`: a key's subject is this plus the KV key. */
  readonly #subjectPrefix: string;
  /** `$JS.API.DIRECT.GET.KV_<bucket>.`: a direct get of a subject is this plus the subject. */
  readonly #getPrefix: string;
  #next = 0;

  /**
   * @param connection - the connection (subscribes one inbox wildcard on it)
   * @param bucket - the KV bucket
   * @param timeoutMs - deadline of every request
   * @param inboxPrefix - the connection's `inboxPrefix`, if it has one
   */
  constructor(connection: NatsConnection, bucket: string, timeoutMs: number, inboxPrefix?: string) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#deadlines = new DeadlineQueue(timeoutMs);
    this.#subjectPrefix = `$KV.${bucket}.`;
    this.#getPrefix = `$JS.API.DIRECT.GET.KV_${bucket}.`;
    this.#inbox = `${createInbox(inboxPrefix)}.`;
    this.#subscription = connection.subscribe(`${this.#inbox}*`, {
      callback: (error, msg) => {
        if (error === null) this.#receive(msg);
        else this.failAll(error);
      },
    });
  }

  /** The key's last message (`null` when it has none), like `kv.get`. */
  get(kvKey: string): Promise<DirectEntry | null> {
    const subject = this.#subjectPrefix + kvKey;
    return this.#request(this.#getPrefix + subject, Empty, (reply) => entryOf(reply, subject));
  }

  /** Publishes `data` as the key's new value and resolves its revision, like `kv.put`. */
  put(kvKey: string, data: Uint8Array): Promise<number> {
    return this.#request(this.#subjectPrefix + kvKey, data, sequenceOf);
  }

  /** Fails every request waiting for a reply (the connection dropped, or is closing). */
  failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.fail(error);
  }

  /** Stops receiving replies; requests still waiting fail with `error`. */
  close(error: Error): void {
    this.failAll(error);
    this.#subscription.unsubscribe();
  }

  #request<T>(subject: string, data: Uint8Array, parse: (reply: Msg) => T): Promise<T> {
    this.#next = this.#next === Number.MAX_SAFE_INTEGER ? 1 : this.#next + 1;
    const token = this.#next.toString(36);
    const reply = new Promise<T>((resolve, reject) => {
      this.#pending.set(token, {
        settle: (msg) => {
          try {
            resolve(parse(msg));
          } catch (error) {
            reject(error);
          }
        },
        fail: reject,
      });
      try {
        this.#connection.publish(subject, data, { reply: this.#inbox + token });
      } catch (error) {
        this.#pending.delete(token);
        reject(error);
      }
    });
    return this.#deadlines.track(reply, () => {
      // No reply in time: forget the request, so that a frozen server leaks nothing.
      this.#pending.delete(token);
      return new KvRequestError(`no reply from JetStream within ${this.#timeoutMs} ms`, 'TIMEOUT');
    });
  }

  #receive(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length);
    const pending = this.#pending.get(token);
    // A reply after the deadline: the caller already has its error.
    if (pending === undefined) return;
    this.#pending.delete(token);
    pending.settle(msg);
  }
}

/** A direct get's reply as an entry; `null` for "no message" (404). */
function entryOf(reply: Msg, subject: string): DirectEntry | null {
  const headers = reply.headers;
  if (headers === undefined) throw new KvRequestError('direct get reply without headers', 'BAD_REPLY');
  const code = headers.code;
  if (code === 404) return null;
  if (code >= 300) throw statusError(headers);
  // `kv.get` does the same check: a message of another subject is not this key's.
  const found = headers.last(SUBJECT);
  if (found !== '' && found !== subject) return null;
  const operation = headers.last(KV_OPERATION);
  return {
    revision: Number.parseInt(headers.last(SEQUENCE), 10) || 0,
    operation: operation === 'DEL' || operation === 'PURGE' ? operation : 'PUT',
    value: reply.data,
  };
}

/** A publish acknowledgement's stream sequence, or the error JetStream answered. */
function sequenceOf(reply: Msg): number {
  const headers = reply.headers;
  if (reply.data.length === 0 && headers?.hasError === true) throw statusError(headers);
  let ack: { stream?: unknown; seq?: unknown; error?: Partial<KvApiError> };
  try {
    ack = JSON.parse(decoder.decode(reply.data)) as typeof ack;
  } catch {
    throw new KvRequestError('JetStream publish acknowledgement is not JSON', 'BAD_REPLY');
  }
  const error = ack.error;
  if (error !== undefined) {
    const apiError: KvApiError = {
      code: Number(error.code) || 0,
      err_code: Number(error.err_code) || 0,
      description: String(error.description ?? 'JetStream error'),
    };
    throw new KvRequestError(apiError.description, String(apiError.code), apiError);
  }
  if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number') {
    throw new KvRequestError('invalid JetStream publish acknowledgement', 'BAD_REPLY');
  }
  return ack.seq;
}

function statusError(headers: MsgHdrs): KvRequestError {
  const code = headers.code;
  const what = code === 503 ? 'no JetStream responder' : headers.description || 'error status';
  return new KvRequestError(`JetStream replied ${code}: ${what}`, String(code));
}
