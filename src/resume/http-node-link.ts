// A resumable HTTP connection's socket to a node: one keep-alive connection at a time, dialled
// when a call's session lives on another node than the current socket's (after a failover).
import type net from 'node:net';
import type { NodeReader } from '../session/node-reader.js';
import { dial, type DialTarget } from '../upstream/dial.js';

export interface NodeLink {
  socket: net.Socket;
  reader: NodeReader;
  name: string;
}

/** A connected socket to `to`, or undefined when the connect fails or times out (it is closed then). */
export async function dialLink(to: DialTarget, timeoutMs: number): Promise<NodeLink | undefined> {
  const attempt = dial(to, timeoutMs);
  try {
    return { socket: await attempt.connected, reader: attempt.reader, name: to.name };
  } catch {
    return undefined;
  }
}
