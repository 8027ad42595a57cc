import type net from 'node:net';
import { refusalAnswer } from '../handshake/refusal-answer.js';
import { sayLastWords } from './last-words.js';
import type { RefusalGate } from './refusal-gate.js';

/** How long a client refused over a limit may take to send the first bytes its answer needs (every Hive client speaks at once). */
export const REFUSAL_FIRST_BYTES_WAIT_MS = 1000;

/**
 * Refuses a client that a connection limit turns away. While the gate has a slot, the client gets
 * REFUSAL_FIRST_BYTES_WAIT_MS to show its protocol and then an answer in it that names the limit;
 * otherwise, or if it stays silent, a close. Returns whether the client is waiting for its answer.
 */
export function refuseOverLimit(socket: net.Socket, source: string, message: string, gate: RefusalGate): boolean {
  socket.on('error', () => {});
  if (!gate.enter(source)) {
    socket.destroy();
    return false;
  }
  let firstBytes: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), REFUSAL_FIRST_BYTES_WAIT_MS);
  const answer = (reply: Buffer | undefined) => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    sayLastWords(socket, reply);
  };
  const onData = (chunk: Buffer) => {
    firstBytes = firstBytes.length ? Buffer.concat([firstBytes, chunk]) : chunk;
    const a = refusalAnswer(firstBytes, message);
    if (a.kind === 'answer') answer(a.reply);
  };
  // A client that half-closes before its bytes tell the protocol gets a FIN and nothing else.
  const onEnd = () => answer(undefined);
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', () => {
    clearTimeout(timer);
    gate.leave(source);
  });
  return true;
}
