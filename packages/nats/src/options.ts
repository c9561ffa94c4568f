import {
  assertNoRenamedOptions,
  ConfigError,
  type Duration,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';
import type { ConnectionOptions, NatsConnection } from 'nats';

/** Options of {@link NatsStore}. */
export interface NatsStoreOptions {
  /**
   * An existing connection. The caller owns it: `close()` leaves it open.
   * Mutually exclusive with `servers`.
   */
  readonly connection?: NatsConnection | undefined;
  /**
   * Server address(es) (`'127.0.0.1:4222'`, `['nats://a:4222', 'nats://b:4222']`).
   * The store then creates the connection, owns it, and drains it on `close()`.
   * Defaults to `'127.0.0.1:4222'` when neither this nor `connection` is given.
   */
  readonly servers?: string | readonly string[] | undefined;
  /**
   * Extra `nats` connection options (auth, TLS, name, …) for a connection the
   * store creates. Ignored with an injected `connection`.
   */
  readonly connectOptions?: Partial<ConnectionOptions> | undefined;
  /** KV bucket name, `[-_a-zA-Z0-9]+`. Created (history 1) when missing. Default `'cache'`. */
  readonly bucket?: string | undefined;
  /**
   * Key prefix (required: a bucket may be shared by several services): `flush()`
   * removes exactly this prefix's keys. A non-empty, well-formed string, else
   * `ConfigError`.
   */
  readonly prefix: string;
  /**
   * Deadline of every JetStream request (and of connecting, for an owned
   * connection), in ms or as a string (`'2s'`). An operation against an
   * unreachable server fails with a `StoreError` after at most this long, and at
   * once while the client knows it is disconnected. Default 2000 ms.
   */
  readonly timeout?: Duration | undefined;
  /**
   * How often an optimistic revision-checked write (`increment`, `add` over an
   * expired entry, `deleteIfEquals`) is retried after losing a race before it
   * fails with `ConflictError`. Default 50.
   */
  readonly maxConflictRetries?: number | undefined;
  /**
   * Largest value in bytes the store accepts (`capabilities.maxValueBytes`).
   * Default {@link DEFAULT_MAX_VALUE_BYTES}: NATS's default 1 MiB `max_payload`
   * minus 16 KiB for the envelope, a stored long key and headers. Values are also
   * checked against the payload limit the server announces once connected.
   */
  readonly maxValueBytes?: number | undefined;
  /**
   * Optional bucket-wide max age (ms or a duration string), applied only when this
   * store creates the bucket. Entries (and delete markers) then physically
   * disappear that long after their last write, whatever their own TTL: a safety
   * net against keys that are written once and never read again. It must exceed
   * every TTL you use, since it also removes entries that have not expired yet.
   * Default: none.
   */
  readonly bucketMaxAge?: Duration | undefined;
}

/** {@link NatsStoreOptions} with defaults applied and validated. */
export interface ResolvedNatsStoreOptions {
  readonly connection: NatsConnection | undefined;
  readonly servers: string[];
  readonly connectOptions: Partial<ConnectionOptions>;
  readonly bucket: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly maxConflictRetries: number;
  readonly maxValueBytes: number;
  readonly bucketMaxAgeMs: number | undefined;
}

/** NATS's default `max_payload`. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Room kept free in every message for the envelope, a stored original key (keys
 * up to 4096 UTF-16 code units, the facade's default limit, fit) and the
 * revision-check header.
 */
export const PAYLOAD_RESERVE_BYTES = 16 * 1024;

/** Default `maxValueBytes`: what fits in NATS's default `max_payload` with room to spare. */
export const DEFAULT_MAX_VALUE_BYTES = DEFAULT_MAX_PAYLOAD_BYTES - PAYLOAD_RESERVE_BYTES;

/** Option names of earlier versions, and what they are called now. */
const RENAMED_OPTIONS = {
  timeoutMs: 'timeout',
  bucketMaxAgeMs: 'bucketMaxAge',
  maxPayloadBytes: 'maxValueBytes',
} as const;

const BUCKET_NAME = /^[-\w]+$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`NatsStore ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for a missing or invalid prefix, an invalid bucket
 *   name, both `connection` and `servers`, a non-positive number or duration, or
 *   an option name of an earlier version (`timeoutMs`, `bucketMaxAgeMs`,
 *   `maxPayloadBytes`).
 */
export function resolveNatsStoreOptions(options: NatsStoreOptions): ResolvedNatsStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('NatsStore needs an options object with at least a prefix');
  }
  assertNoRenamedOptions(options, RENAMED_OPTIONS, 'NatsStore');
  const prefix = resolvePrefix(options.prefix, { driver: 'NatsStore', required: true });
  const bucket = options.bucket ?? 'cache';
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new ConfigError(
      `NATS bucket name "${String(bucket)}" is invalid: use letters, digits, "-" and "_"`,
    );
  }
  if (options.connection !== undefined && options.servers !== undefined) {
    throw new ConfigError('NatsStore: pass either connection or servers, not both');
  }
  const servers = options.servers === undefined ? ['127.0.0.1:4222'] : [options.servers].flat();
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError('NatsStore servers must be a non-empty address or list of addresses');
  }
  return {
    connection: options.connection,
    servers,
    connectOptions: options.connectOptions ?? {},
    bucket,
    prefix,
    timeoutMs: resolveDurationOption(options.timeout, 'NatsStore timeout', 2_000),
    maxConflictRetries: positiveInteger('maxConflictRetries', options.maxConflictRetries, 50),
    maxValueBytes: positiveInteger('maxValueBytes', options.maxValueBytes, DEFAULT_MAX_VALUE_BYTES),
    bucketMaxAgeMs:
      options.bucketMaxAge === undefined
        ? undefined
        : resolveDurationOption(options.bucketMaxAge, 'NatsStore bucketMaxAge', 0),
  };
}
