// The bytes a bench client and the bench node exchange before the data phase. The router commits a
// connection only after the node completes SASL PLAIN and answers OpenSession with a success, so
// every measured connection (direct, router, HAProxy alike) pays that same round trip.
import { NODE_HELLO_ANSWER, openSessionCall, openSessionOk, plainClientHello } from '../sim/wire.js';

/**
 * What the node does after the handshake, chosen by the SASL user name so that one node port
 * serves every measurement and the proxies in between see ordinary clients.
 * - `bulk-N`: send N bytes, then FIN.
 * - `echo`: send every chunk back.
 * - `idle`: say nothing; close when the client does.
 */
export type NodeMode = { kind: 'bulk'; bytes: number } | { kind: 'echo' } | { kind: 'idle' };

export function modeUser(mode: NodeMode): string {
  return mode.kind === 'bulk' ? `bulk-${mode.bytes}` : mode.kind;
}

export function parseModeUser(user: string): NodeMode {
  if (user.startsWith('bulk-')) return { kind: 'bulk', bytes: Number(user.slice(5)) };
  return user === 'echo' ? { kind: 'echo' } : { kind: 'idle' };
}

/** SASL START PLAIN, the PLAIN credentials and a framed OpenSession call, sent in one write as hive-driver does. */
export function clientHello(mode: NodeMode): Buffer {
  const user = modeUser(mode);
  return plainClientHello(user, 'bench');
}

/** The node's whole answer: SASL COMPLETE, then the framed OpenSession success. */
export const NODE_ANSWER = NODE_HELLO_ANSWER;

/** An OpenSession over Thrift HTTP, as Hive JDBC's HTTP transport sends it (one POST, new connection). */
export function httpOpenSession(port: number): Buffer {
  const body = openSessionCall();
  const head =
    `POST /cliservice HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-thrift\r\n` +
    `Accept: application/x-thrift\r\nAuthorization: Basic YmVuY2g6YmVuY2g=\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** The node's whole HTTP answer to httpOpenSession: 200 with an OpenSession success body. */
export const HTTP_OPEN_SESSION_ANSWER = (() => {
  const body = openSessionOk();
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/x-thrift\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
})();
