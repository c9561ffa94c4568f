import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** Credentials dynalite accepts (it checks their presence, not their value). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Any region works with dynalite. */
export const LOCAL_REGION = 'us-east-1';

/** An in-process dynalite on a free port, for one test file. */
export class LocalDynamo {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts dynalite (tables become ACTIVE at once) on a free port. */
  static async start(): Promise<LocalDynamo> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LocalDynamo(server, (server.address() as AddressInfo).port);
  }

  /** `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A raw client for assertions behind the store's back. */
  client(): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: this.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
