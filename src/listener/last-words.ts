import type net from 'node:net';

/** How long a refused client gets to read our last words before its socket is destroyed. */
const LINGER_MS = 2000;

/**
 * A refused client gets our last words (if any) and a FIN; whatever else it sends is read and
 * dropped, so the FIN is not stuck behind a full buffer, and the socket is destroyed after
 * LINGER_MS if the client does not close first.
 */
export function sayLastWords(socket: net.Socket, reply: Buffer | undefined): void {
  socket.on('error', () => {});
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
  if (reply) socket.end(reply);
  else socket.end();
  socket.resume();
}
