import { RouterError } from '../errors.js';

/** What a failed bind usually means, for the operator reading the one fatal line. */
const HINTS: Record<string, string> = {
  EADDRINUSE: ' (another process has the port: another livy-router, or a Livy server on this host, perhaps)',
  EACCES: ' (a port below 1024 needs CAP_NET_BIND_SERVICE: see the comment in the systemd unit)',
  EADDRNOTAVAIL: ' (no interface of this host has that address)',
};

/** A client listener could not be bound at start: the message says which, why, and what to change. */
export class ListenerBindError extends RouterError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? cause.message;
    super(
      'LR_LISTENER_BIND',
      `cannot listen for clients on ${host}:${port}: ${code}${HINTS[code] ?? ''}; set another port in listeners: in the config or --listen HOST:PORT`,
      { cause },
    );
  }
}
