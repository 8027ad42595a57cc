import net from 'node:net';
import type { ListenerConfig } from '../config/schema.js';
import { sourceOf, type SourceLimit } from './source-limit.js';
import { presetOnListener, type SocketPreset } from './inherited-options.js';

export interface BoundListener {
  readonly config: ListenerConfig;
  readonly server: net.Server;
  /** The actual address (port 0 in the config becomes the port the OS chose). */
  readonly address: net.AddressInfo;
  /** Client sockets open on this listener, in any phase (handshake or committed). */
  connections(): Promise<number>;
  /** Stops accepting at once (resolves when the port is closed); established connections are not touched. */
  close(): Promise<void>;
}

/**
 * Binds one client-facing port. Sockets are half-close capable (a client's FIN is proxied, not
 * answered with ours) and handed to `onClient` as soon as they are accepted.
 */
export interface ListenerEvents {
  /** An accept failed (EMFILE when out of file descriptors, ...): the listener keeps listening. */
  acceptError(err: NodeJS.ErrnoException): void;
  /** A client was dropped at once because `maxConnections` sockets are open. */
  dropped(): void;
  /** A client was closed at once because its source address holds as many connections as it may. */
  sourceLimited(source: string): void;
}

export function bindListener(
  config: ListenerConfig,
  maxConnections: number,
  perSource: SourceLimit,
  onClient: (socket: net.Socket, inherited: SocketPreset | undefined) => void,
  events: ListenerEvents,
  preset: SocketPreset,
): Promise<BoundListener> {
  // TCP_NODELAY and keepalive are set on the listening socket once and inherited (inherited-options.ts).
  let inherited: SocketPreset | undefined;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const source = sourceOf(socket.remoteAddress);
    if (!perSource.admit(source)) {
      // Before a byte is read: a source at its limit costs one accept and one close, nothing more.
      socket.on('error', () => {});
      socket.destroy();
      events.sourceLimited(source);
      return;
    }
    socket.once('close', () => perSource.release(source));
    onClient(socket, inherited);
  });
  server.maxConnections = maxConnections;
  server.on('drop', () => events.dropped());
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: config.host, port: config.port, backlog: 1024 }, () => {
      server.off('error', onError);
      inherited = presetOnListener(server, preset);
      // Without a listener an accept error would be thrown and end the process.
      server.on('error', (err: NodeJS.ErrnoException) => events.acceptError(err));
      resolve({
        config,
        server,
        address: server.address() as net.AddressInfo,
        connections: () => new Promise<number>((r, j) => server.getConnections((err, n) => (err ? j(err) : r(n)))),
        // net.Server.close() stops listening at once but calls back only when every accepted
        // connection has ended; draining those is the registry's job, so do not wait for it.
        close: () => {
          if (server.listening) server.close();
          return Promise.resolve();
        },
      });
    });
  });
}
