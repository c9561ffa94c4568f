import type { Duplex } from 'node:stream';
import { type Cluster, Command, type Redis } from 'ioredis';

/** A command argument. */
export type CommandArgument = string | Buffer | number;

/** Maps a raw reply (a `Buffer`, `null`, a number or an array of those) to the operation's result. */
export type ReplyMapper<T> = (reply: unknown) => T;

/** Maps a client error to the error the caller sees. */
export type ErrorMapper = (error: unknown) => Error;

/** Replies stay `Buffer`s: values are bytes, and the other replies are read by the mappers. */
const BUFFER_REPLIES = { replyEncoding: null } as const;

/** A generated ioredis command method (the Cluster path). */
type CommandMethod = (...args: CommandArgument[]) => Promise<unknown>;

/**
 * Sends the store's single commands with as little work per command as the client
 * allows, and lets concurrent commands share one socket write.
 *
 * **Standalone client (and Sentinel).** Each command is an ioredis `Command` written
 * with `sendCommand` (the path raw `client.get()` takes, minus argument parsing).
 * Sharing writes: a command sent while none of this store's is waiting for a reply
 * is written at once; one sent while others wait corks the client's socket, and a
 * `process.nextTick` uncorks it, so every command issued in the rest of that tick
 * leaves in one `writev` (one system call), still within the tick.
 * That replaces ioredis' auto-pipelining, which defers to `setImmediate` (one more
 * event-loop turn of latency for a lone command) and builds a `Pipeline`, a promise
 * and a callback per command (measured: more client CPU per command than it saves).
 * The result is mapped by wrapping the command's own `resolve`/`reject` (public
 * fields of ioredis' `Command`, which ioredis calls with the reply or the error), so
 * the caller's promise is the command's promise itself: no `.then` layer per command.
 *
 * **Cluster.** ioredis routes a command to its node (and follows `MOVED`/`ASK`) only
 * through its own methods. A lone command is written directly (`sendCommand`); while
 * other commands of this store are in flight, a command joins ioredis'
 * auto-pipelining (one write per node) when the client has it enabled. The order of
 * one store's commands is kept: a direct write only happens when none of its earlier
 * commands is still queued.
 */
export class CommandSender {
  readonly #standalone: Redis | undefined;
  readonly #cluster: Cluster | undefined;
  readonly #autoPipelining: boolean;
  /** Cluster commands sent and not yet answered (selects direct writes vs auto-pipelining). */
  #inFlight = 0;
  /** Standalone commands sent and not yet answered (selects direct writes vs corking). */
  #waiting = 0;
  /** The socket corked in this tick, uncorked by {@link CommandSender.#uncork}. */
  #corked: Duplex | undefined;
  readonly #uncork = (): void => {
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };
  readonly #settled = (): void => {
    this.#inFlight--;
  };

  /** @param client - the ioredis client commands go to */
  constructor(client: Redis | Cluster) {
    if (client.isCluster === true) {
      this.#cluster = client as Cluster;
      this.#standalone = undefined;
    } else {
      this.#standalone = client as Redis;
      this.#cluster = undefined;
    }
    this.#autoPipelining = client.options.enableAutoPipelining === true;
  }

  /**
   * Sends `name args…`; resolves `onReply(reply)` or rejects with `onError(error)`.
   * Neither mapper may throw.
   */
  send<T>(name: string, args: CommandArgument[], onReply: ReplyMapper<T>, onError: ErrorMapper): Promise<T> {
    const client = this.#standalone;
    if (client === undefined) return this.#sendToCluster(name, args, onReply, onError);
    const command = new Command(name, args, BUFFER_REPLIES);
    const resolve = command.resolve;
    const reject = command.reject;
    command.resolve = (reply: unknown): void => {
      this.#waiting--;
      resolve(onReply(reply));
    };
    command.reject = (error: Error): void => {
      this.#waiting--;
      reject(onError(error));
    };
    // A command alone is written at once (corking costs ~0.4 µs, measured); one sent
    // while others wait for replies corks the socket for the rest of the tick.
    if (this.#waiting++ > 0 && this.#corked === undefined && client.status === 'ready') {
      const stream = client.stream as Duplex | undefined;
      if (stream !== undefined) {
        stream.cork();
        this.#corked = stream;
        process.nextTick(this.#uncork);
      }
    }
    client.sendCommand(command);
    return command.promise as Promise<T>;
  }

  #sendToCluster<T>(
    name: string,
    args: CommandArgument[],
    onReply: ReplyMapper<T>,
    onError: ErrorMapper,
  ): Promise<T> {
    const cluster = this.#cluster as Cluster;
    this.#inFlight++;
    let reply: Promise<unknown>;
    const method =
      this.#autoPipelining && this.#inFlight > 1
        ? (cluster as unknown as Record<string, CommandMethod | undefined>)[`${name}Buffer`]
        : undefined;
    if (method !== undefined) {
      // Through the generated method: the path ioredis auto-pipelines. (Not
      // `callBuffer`: with auto-pipelining on, ioredis 5 drops the command name from it.)
      reply = method.apply(cluster, args);
    } else {
      const command = new Command(name, args, BUFFER_REPLIES);
      cluster.sendCommand(command);
      reply = command.promise;
    }
    return reply.then(
      (value) => {
        this.#settled();
        return onReply(value);
      },
      (error: unknown) => {
        this.#settled();
        throw onError(error);
      },
    );
  }
}
