import type { Client, Server } from 'memjs';

/**
 * Routes memcached's binary-protocol responses to this store's requests without
 * memjs's response path.
 *
 * memjs copies every socket chunk into a new zero-filled buffer together with what
 * was left of the previous one, builds a header object and four buffer views per
 * response, and keeps its callbacks in plain objects keyed by an ever-growing
 * sequence number (dictionary-mode property writes and deletes per request).
 * Measured, that is most of the client CPU of a request; a store call costs two
 * requests (its data and the namespace generation).
 *
 * So the router takes over each server's `responseHandler` (a public method of
 * memjs's `Server`): it parses the responses in place, hands those whose opaque
 * belongs to one of its requests to that request, and passes every other complete
 * message, byte for byte, to the handler it replaced (memjs's own: SASL, memjs
 * commands called on `store.client`, another store sharing the client). It also
 * keeps memjs's request-timeout bookkeeping balanced (one `requestTimeouts` entry
 * per answered request) and wraps `Server#error` so that a connection failure
 * rejects this store's requests at once, as memjs does for its own.
 */

const HEADER_BYTES = 24;
const RESPONSE_MAGIC = 0x81;
/** memjs treats this status as an authentication failure and errors the connection. */
const AUTH_ERROR = 0x20;

/** One response message, read in place from the chunk it arrived in. */
export class Reply {
  /**
   * @param chunk - the bytes the message is in (never reused by the socket)
   * @param offset - where the message's header starts in `chunk`
   */
  constructor(
    private readonly chunk: Buffer,
    private readonly offset: number,
  ) {}

  /** The opcode this responds to. */
  get opcode(): number {
    return this.chunk[this.offset + 1] as number;
  }

  /** The response status (`0` = ok). */
  get status(): number {
    return this.chunk.readUInt16BE(this.offset + 6);
  }

  /** The item flags (the first four bytes of the extras), `0` without extras. */
  get flags(): number {
    const extras = this.chunk[this.offset + 4] as number;
    return extras >= 4 ? this.chunk.readUInt32BE(this.offset + HEADER_BYTES) : 0;
  }

  /** The key (quiet multi-get responses carry it), as latin1 text. */
  get key(): string {
    const start = this.offset + HEADER_BYTES + (this.chunk[this.offset + 4] as number);
    return this.chunk.toString('latin1', start, start + this.chunk.readUInt16BE(this.offset + 2));
  }

  /** The value: a view of the chunk (never written to afterwards). */
  get value(): Buffer {
    const chunk = this.chunk;
    const offset = this.offset;
    const start = offset + HEADER_BYTES + (chunk[offset + 4] as number) + chunk.readUInt16BE(offset + 2);
    return chunk.subarray(start, offset + HEADER_BYTES + chunk.readUInt32BE(offset + 8));
  }

  /** The CAS unique, copied (eight bytes a caller may keep). */
  get cas(): Buffer {
    const cas = Buffer.allocUnsafe(8);
    this.chunk.copy(cas, 0, this.offset + 16, this.offset + HEADER_BYTES);
    return cas;
  }

  /** Whether the body is empty (the end of a quiet multi-get is). */
  get empty(): boolean {
    return this.chunk.readUInt32BE(this.offset + 8) === 0;
  }
}

/** A request waiting for its response(s). */
export interface Expectation {
  /** Receives one response; returns `true` when the request is complete. */
  readonly reply: (reply: Reply) => boolean;
  /** The connection failed before the request completed. */
  readonly fail: (error: unknown) => void;
}

/** The routing state of one memjs server. */
class Route {
  readonly pending = new Map<number, Expectation>();
  /** Bytes of an incomplete message from the previous chunk of the same socket. */
  leftover: Buffer | undefined;
  /** The socket the leftover came from (memjs's private `_socket`, where it has one). */
  socket: unknown;
  /** When the last bytes arrived (`performance.now()`). */
  lastData = performance.now();

  constructor(
    readonly server: Server,
    readonly fallback: (chunk: Buffer) => void,
  ) {}

  handle(data: Buffer): void {
    this.lastData = performance.now();
    const socket = (this.server as unknown as { _socket?: unknown })._socket;
    if (socket !== this.socket) {
      // A new connection: what the old one left unfinished will never complete.
      this.socket = socket;
      this.leftover = undefined;
    }
    let chunk = data;
    if (this.leftover !== undefined) {
      chunk = Buffer.concat([this.leftover, data]);
      this.leftover = undefined;
    }
    const end = chunk.length;
    let offset = 0;
    while (end - offset >= HEADER_BYTES) {
      if (chunk[offset] !== RESPONSE_MAGIC) {
        // Out of step with the byte stream: nothing after this can be trusted.
        this.server.error(new Error('memcached response stream is out of sync'));
        return;
      }
      const next = offset + HEADER_BYTES + chunk.readUInt32BE(offset + 8);
      if (next > end) break;
      const opaque = chunk.readUInt32BE(offset + 12);
      const expectation =
        chunk.readUInt16BE(offset + 6) === AUTH_ERROR ? undefined : this.pending.get(opaque);
      if (expectation === undefined) {
        // Not ours: memjs's own handler gets exactly this message.
        this.fallback(chunk.subarray(offset, next));
      } else if (expectation.reply(new Reply(chunk, offset))) {
        this.pending.delete(opaque);
        this.answered();
      }
      offset = next;
    }
    if (offset < end) this.leftover = chunk.subarray(offset);
  }

  /** Drops memjs's deadline entry of one request that is answered or no longer waits. */
  answered(): void {
    (this.server.requestTimeouts as number[]).shift();
  }

  failAll(error: unknown): void {
    this.leftover = undefined;
    if (this.pending.size === 0) return;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const expectation of waiting) expectation.fail(error);
  }
}

/** Routes responses for one `BinaryProtocol`; see the module comment. */
export class ResponseRouter {
  readonly #routes = new Map<Server, Route>();
  readonly #deadlineMs: number;

  /**
   * @param client - the memjs client whose servers it attaches to
   * @param deadlineMs - the requests' deadline (see {@link ResponseRouter.forget})
   */
  constructor(client: Client, deadlineMs: number) {
    this.#deadlineMs = deadlineMs;
    for (const server of (client as unknown as { servers: Server[] }).servers) this.#attach(server);
  }

  /** Waits for the responses to `opaque` on `server`. */
  expect(server: Server, opaque: number, expectation: Expectation): void {
    (this.#routes.get(server) ?? this.#attach(server)).pending.set(opaque, expectation);
  }

  /**
   * Stops waiting for `opaque`: its deadline passed. Its memjs deadline entry goes
   * with it, and a late response is then dropped like any nobody waits for. When
   * nothing at all arrived from the server for a whole deadline, the connection is
   * taken for dead and closed (`Server#error`, which fails the other requests on it
   * and makes memjs reconnect), as memjs does with its own timeouts.
   */
  forget(server: Server, opaque: number): void {
    const route = this.#routes.get(server);
    if (route?.pending.delete(opaque) !== true) return;
    route.answered();
    if (performance.now() - route.lastData >= this.#deadlineMs) {
      server.error(new Error(`no response from memcached within ${this.#deadlineMs} ms`));
    }
  }

  #attach(server: Server): Route {
    const memjsHandler = server.responseHandler.bind(server);
    const memjsError = server.error.bind(server);
    const route = new Route(server, memjsHandler);
    server.responseHandler = (chunk: Buffer): void => route.handle(chunk);
    server.error = (error: Error): void => {
      route.failAll(error);
      memjsError(error);
    };
    this.#routes.set(server, route);
    return route;
  }
}
