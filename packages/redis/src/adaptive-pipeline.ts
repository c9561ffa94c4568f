import { type Cluster, Command, type Redis } from 'ioredis';

/** What a command's reply should be decoded to. */
export type ReplyEncoding = 'buffer' | 'utf8';

/** A generated ioredis command method. */
type CommandMethod = (...args: CommandArgument[]) => Promise<unknown>;

/** A command argument. */
export type CommandArgument = string | Buffer | number;

/**
 * Sends commands so that a lone command goes out at once and concurrent commands
 * share writes.
 *
 * ioredis' auto-pipelining (which `RedisStore` enables on the clients it creates)
 * collects commands until `setImmediate`, then writes them as one pipeline: a large
 * saving in CPU per command under concurrency, but one extra event-loop turn of
 * latency for a request that is alone. So while this store has nothing in flight, a
 * command is written directly (`sendCommand`, which bypasses auto-pipelining); as
 * soon as other commands of this store are in flight, it joins the auto-pipeline.
 * The order of one store's commands is kept: a direct write only happens when none
 * of its earlier commands is still queued.
 */
export class AdaptivePipeline {
  readonly #client: Redis | Cluster;
  readonly #autoPipelining: boolean;
  #inFlight = 0;

  /** @param client - the ioredis client commands go to */
  constructor(client: Redis | Cluster) {
    this.#client = client;
    this.#autoPipelining = client.options.enableAutoPipelining === true;
  }

  /**
   * Sends `name args…` and resolves the reply. Every call must be paired with one
   * {@link AdaptivePipeline.settled} once the reply (or error) has arrived; the
   * caller's own `finally` does that, which costs less than a `.finally()` promise
   * per command.
   */
  send(name: string, args: CommandArgument[], reply: ReplyEncoding): Promise<unknown> {
    this.#inFlight++;
    return this.#autoPipelining && this.#inFlight > 1
      ? this.#queued(name, args, reply)
      : this.#direct(name, args, reply);
  }

  /** Marks one command sent with {@link AdaptivePipeline.send} as answered. */
  settled(): void {
    this.#inFlight--;
  }

  /**
   * Through the client's generated command method (`get`, `getBuffer`, …), the path
   * ioredis auto-pipelines. (Not `callBuffer`: with auto-pipelining on, ioredis 5
   * drops the command name from it.)
   */
  #queued(name: string, args: CommandArgument[], reply: ReplyEncoding): Promise<unknown> {
    const method = (this.#client as unknown as Record<string, CommandMethod | undefined>)[
      reply === 'buffer' ? `${name}Buffer` : name
    ];
    if (method === undefined) return this.#direct(name, args, reply);
    return method.apply(this.#client, args);
  }

  #direct(name: string, args: CommandArgument[], reply: ReplyEncoding): Promise<unknown> {
    const command = new Command(name, args, { replyEncoding: reply === 'buffer' ? null : 'utf8' });
    this.#client.sendCommand(command);
    return command.promise;
  }
}
