import { ConfigError, type Duration, describeType, resolveDurationOption } from '@cache/core';
import type { ConnectionOptions, NatsConnection } from 'nats';

/** Options of {@link NatsBus}. */
export interface NatsBusOptions {
  /**
   * Name of the coherence channel: every node whose L1 sits in front of the same L2
   * data must use the same channel. Advice: **one channel per L2 prefix**, e.g. the
   * store's `prefix` (`'shop'`). The NATS subject is `<subjectPrefix>.<channel>`.
   * Required: one or more subject tokens separated by `.`, each non-empty, without
   * whitespace, `*` or `>`.
   */
  readonly channel: string;
  /** First tokens of the subject (same rules as `channel`). Default {@link DEFAULT_SUBJECT_PREFIX}. */
  readonly subjectPrefix?: string | undefined;
  /**
   * An existing connection the caller owns. The bus subscribes and publishes on it
   * and, on `close()`, only unsubscribes. Exclusive with `servers`.
   */
  readonly connection?: NatsConnection | undefined;
  /**
   * Server address(es): the bus creates its connection (on first use), reconnects
   * forever, and drains it on `close()`. Default `'127.0.0.1:4222'`.
   */
  readonly servers?: string | readonly string[] | undefined;
  /**
   * Extra `nats` connection options (auth, TLS, name, `pingInterval`, …) for a
   * connection the bus creates, over the bus's defaults (see the README).
   */
  readonly connectOptions?: Partial<ConnectionOptions> | undefined;
  /**
   * Deadline (ms or `'2s'`) of connecting, of one publish's confirmation by the
   * server (`CacheTimeoutError` after it), and of a `subscribe()` call waiting for
   * the subscription to be active. Default {@link DEFAULT_NATS_BUS_TIMEOUT_MS}.
   */
  readonly timeout?: Duration | undefined;
  /**
   * Receives what goes wrong in the background: a message on the subject that is
   * not a bus message (ignored), a listener that threw, an asynchronous error of the
   * subscription. Default: ignored.
   */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
}

/** Default {@link NatsBusOptions.subjectPrefix}. */
export const DEFAULT_SUBJECT_PREFIX = 'cache.bus';

/** Default {@link NatsBusOptions.timeout}, in ms. */
export const DEFAULT_NATS_BUS_TIMEOUT_MS = 2_000;

/** {@link NatsBusOptions}, validated, with defaults applied. */
export interface ResolvedNatsBusOptions {
  readonly subject: string;
  readonly connection: NatsConnection | undefined;
  readonly servers: string[];
  readonly connectOptions: Partial<ConnectionOptions>;
  readonly timeoutMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}

/** Whitespace, control characters and the wildcards `*` and `>`: never part of a token. */
const FORBIDDEN_IN_TOKEN = /[\s\p{Cc}*>]/u;

/**
 * Validates and applies defaults.
 *
 * @throws {@link ConfigError} for a missing or invalid channel or subject prefix,
 * both `connection` and `servers`, empty servers, or a bad duration
 */
export function resolveNatsBusOptions(options: NatsBusOptions): ResolvedNatsBusOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('NatsBus needs options with at least a channel');
  }
  const channel = subjectTokens(options.channel, 'NatsBus channel');
  const prefix = subjectTokens(options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX, 'NatsBus subjectPrefix');
  if (options.connection !== undefined && options.servers !== undefined) {
    throw new ConfigError('NatsBus: pass either connection or servers, not both');
  }
  const servers = options.servers === undefined ? ['127.0.0.1:4222'] : [options.servers].flat();
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError('NatsBus servers must be a non-empty address or list of addresses');
  }
  const onBackgroundError = options.onBackgroundError ?? (() => {});
  if (typeof onBackgroundError !== 'function') {
    throw new ConfigError(
      `NatsBus onBackgroundError must be a function, got ${describeType(onBackgroundError)}`,
    );
  }
  return {
    subject: `${prefix}.${channel}`,
    connection: options.connection,
    servers,
    connectOptions: options.connectOptions ?? {},
    timeoutMs: resolveDurationOption(options.timeout, 'NatsBus timeout', DEFAULT_NATS_BUS_TIMEOUT_MS),
    onBackgroundError,
  };
}

/** A subject fragment: `.`-separated tokens, each non-empty, no whitespace, no wildcard. */
function subjectTokens(value: unknown, what: string): string {
  if (value === undefined) throw new ConfigError(`${what} is required (advice: the store's prefix)`);
  if (typeof value !== 'string')
    throw new ConfigError(`${what} must be a string, got ${describeType(value)}`);
  if (!value.isWellFormed()) throw new ConfigError(`${what} contains a lone UTF-16 surrogate`);
  const bad = value.split('.').find((token) => token.length === 0 || FORBIDDEN_IN_TOKEN.test(token));
  if (bad !== undefined) {
    throw new ConfigError(
      `${what} ${JSON.stringify(value)} is not a NATS subject: tokens are separated by '.', ` +
        `each non-empty, without whitespace, '*' or '>' (got token ${JSON.stringify(bad)})`,
    );
  }
  return value;
}
