import net from 'node:net';
import type { ListenerConfig } from '../config/schema.js';
import type { Admission, LimitRefusal } from './admission.js';
import { ListenerBindError } from './errors.js';
import { refuseOverLimit } from './limit-refusal.js';
import { sourceOf } from './source-limit.js';
import { presetOnListener, type SocketPreset } from './inherited-options.js';

export interface BoundListener {
  readonly config: ListenerConfig;
  readonly server: net.Server;
  /** The actual address (port 0 in the config becomes the port the OS chose). */
  readonly address: net.AddressInfo;
  /** Client connections admitted on this listener and open, in any phase (handshake or committed). */
  connections(): Promise<number>;
  /** Stops accepting at once (resolves when the port is closed); established connections are not touched. */
  close(): Promise<void>;
}

export interface ListenerEvents {
  /** An accept failed (EMFILE when out of file descriptors, ...): the listener keeps listening. */
  acceptError(err: NodeJS.ErrnoException): void;
  /** A connection limit refused a client; `answering`: it waits for its first bytes to be answered in its protocol. */
  limited(refusal: LimitRefusal, source: string, answering: boolean): void;
}

/**
 * Binds one client-facing port. Sockets are half-close capable (a client's FIN is proxied, not
 * answered with ours) and handed to `onClient` as soon as they are accepted and admitted.
 * The listener counts its clients itself rather than set net.Server's maxConnections: Node.js
 * closes a connection past that without a word, and a refused client should learn why.
 */
export function bindListener(
  config: ListenerConfig,
  admission: Admission,
  onClient: (socket: net.Socket, inherited: SocketPreset | undefined) => void,
  events: ListenerEvents,
  preset: SocketPreset,
): Promise<BoundListener> {
  // The bound address once listening (a port 0 in the config names the port the OS chose).
  let name = `${config.host}:${config.port}`;
  let open = 0;
  // TCP_NODELAY and keepalive are set on the listening socket once and inherited (inherited-options.ts).
  let inherited: SocketPreset | undefined;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const source = sourceOf(socket.remoteAddress);
    const refusal = admission.admit(source, name, open);
    if (refusal) {
      // Before a byte is read: a refused client costs one accept and, while the gate allows, a short wait.
      events.limited(refusal, source, refuseOverLimit(socket, source, refusal.message, admission.gate));
      return;
    }
    open++;
    socket.once('close', () => {
      open--;
      admission.release(source);
    });
    onClient(socket, inherited);
  });
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ListenerBindError(config.host, config.port, err));
    server.once('error', onError);
    server.listen({ host: config.host, port: config.port, backlog: 1024 }, () => {
      server.off('error', onError);
      const bound = server.address() as net.AddressInfo;
      name = `${bound.address}:${bound.port}`;
      inherited = presetOnListener(server, preset);
      // Without a listener an accept error would be thrown and end the process.
      server.on('error', (err: NodeJS.ErrnoException) => events.acceptError(err));
      resolve({
        config,
        server,
        address: bound,
        connections: () => Promise.resolve(open),
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
