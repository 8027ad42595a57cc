import net from 'node:net';
import { ConnectFailedError, ConnectTimeoutError } from '../errors.js';
import { NodeReader } from '../session/node-reader.js';

export interface DialTarget {
  name: string;
  host: string;
  port: number;
}

export interface Dial {
  /** Where the socket's bytes go (it reads through a shared buffer: see node-reader.ts). */
  readonly reader: NodeReader;
  /** Resolves with the connected socket; rejects with ConnectTimeoutError or ConnectFailedError. */
  readonly connected: Promise<net.Socket>;
  /** Abandons the attempt: the socket is destroyed and `connected` rejects (idempotent). */
  cancel(): void;
}

/**
 * One TCP connect with its own timeout. Returns its canceller so the caller can abandon it when
 * the client leaves. The socket is half-close capable; `'error'` is handled from the first line.
 */
export function dial(target: DialTarget, timeoutMs: number): Dial {
  const address = `${target.host}:${target.port}`;
  const reader = new NodeReader();
  const socket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, onread: reader.onread });
  let settle: ((err?: Error) => void) | undefined;
  const connected = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => settle?.(new ConnectTimeoutError(target.name, address, timeoutMs)), timeoutMs);
    const onError = (err: NodeJS.ErrnoException) => settle?.(new ConnectFailedError(target.name, address, err));
    const onConnect = () => settle?.();
    socket.on('error', onError);
    socket.once('connect', onConnect);
    settle = (err?: Error) => {
      settle = undefined;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (err) {
        socket.on('error', () => {}); // late errors after destroy have no listener otherwise
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
  });
  // The caller may never await `connected` after cancelling; keep an unobserved rejection quiet.
  connected.catch(() => {});
  return {
    reader,
    connected,
    cancel: () => settle?.(new ConnectFailedError(target.name, address, Object.assign(new Error('cancelled'), { code: 'CANCELLED' }))),
  };
}
