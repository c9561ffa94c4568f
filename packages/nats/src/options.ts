import { ConfigError } from '@cache/core';
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
  /** Key prefix: `flush()` removes exactly this prefix's keys. Default `'app'`. */
  readonly prefix?: string | undefined;
  /**
   * Deadline in ms of every JetStream request (and of connecting, for an owned
   * connection). An operation against an unreachable server fails with a
   * `StoreError` after at most this long, and at once while the client knows it
   * is disconnected. Default 2000.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * How often an optimistic revision-checked write (`increment`, `add` over an
   * expired entry, `deleteIfEquals`) is retried after losing a race before it
   * fails with `ConflictError`. Default 50.
   */
  readonly maxConflictRetries?: number | undefined;
  /**
   * The server's `max_payload` in bytes (NATS default 1 MiB). The advertised
   * `capabilities.maxValueBytes` is derived from it; values are also checked
   * against the payload limit the server announces once connected.
   */
  readonly maxPayloadBytes?: number | undefined;
  /**
   * Optional bucket-wide max age in ms, applied only when this store creates the
   * bucket. Entries (and delete markers) then physically disappear that long
   * after their last write, whatever their own TTL: a safety net against keys
   * that are written once and never read again. It must exceed every TTL you
   * use, since it also removes entries that have not expired yet. Default: none.
   */
  readonly bucketMaxAgeMs?: number | undefined;
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
  readonly maxPayloadBytes: number;
  readonly bucketMaxAgeMs: number | undefined;
}

/** NATS's default `max_payload`. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const BUCKET_NAME = /^[-\w]+$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for an invalid bucket name, both `connection` and
 *   `servers`, or a non-positive number.
 */
export function resolveNatsStoreOptions(options: NatsStoreOptions = {}): ResolvedNatsStoreOptions {
  const bucket = options.bucket ?? 'cache';
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new ConfigError(
      `NATS bucket name "${String(bucket)}" is invalid: use letters, digits, "-" and "_"`,
    );
  }
  const prefix = options.prefix ?? 'app';
  if (typeof prefix !== 'string') throw new ConfigError('prefix must be a string');
  if (options.connection !== undefined && options.servers !== undefined) {
    throw new ConfigError('pass either connection or servers, not both');
  }
  const servers = options.servers === undefined ? ['127.0.0.1:4222'] : [options.servers].flat();
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError('servers must be a non-empty address or list of addresses');
  }
  return {
    connection: options.connection,
    servers,
    connectOptions: options.connectOptions ?? {},
    bucket,
    prefix,
    timeoutMs: positiveInteger('timeoutMs', options.timeoutMs, 2000),
    maxConflictRetries: positiveInteger('maxConflictRetries', options.maxConflictRetries, 50),
    maxPayloadBytes: positiveInteger('maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES),
    bucketMaxAgeMs:
      options.bucketMaxAgeMs === undefined
        ? undefined
        : positiveInteger('bucketMaxAgeMs', options.bucketMaxAgeMs, 1),
  };
}
