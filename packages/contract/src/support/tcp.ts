import { connect } from 'node:net';

/** A TCP endpoint. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Whether a TCP connection to `endpoint` opens within `timeoutMs`. */
export function canConnect(endpoint: Endpoint, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const done = (open: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
