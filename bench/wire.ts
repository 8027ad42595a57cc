// The bytes a bench client and the bench node exchange before the data phase. The router commits a
// connection only after the node completes SASL PLAIN and answers OpenSession with a success, so
// every measured connection (direct, router, HAProxy alike) pays that same round trip.
import { encodeSaslFrame, SaslStatus } from '../src/handshake/sasl-frame.js';
import { frame, MessageType, StatusCode, TType, Writer } from '../src/handshake/thrift-codec.js';

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

function openSessionCall(): Buffer {
  return new Writer().messageHeader(MessageType.CALL, 'OpenSession', 1).field(TType.STRUCT, 1).field(TType.I32, 1).i32(9).stop().stop().toBuffer();
}

function openSessionOk(): Buffer {
  return new Writer()
    .messageHeader(MessageType.REPLY, 'OpenSession', 1)
    .field(TType.STRUCT, 0)
    .field(TType.STRUCT, 1)
    .field(TType.I32, 1)
    .i32(StatusCode.SUCCESS)
    .stop()
    .field(TType.I32, 2)
    .i32(9)
    .stop()
    .stop()
    .toBuffer();
}

/** SASL START PLAIN, the PLAIN credentials and a framed OpenSession call, sent in one write as hive-driver does. */
export function clientHello(mode: NodeMode): Buffer {
  const user = modeUser(mode);
  return Buffer.concat([
    encodeSaslFrame(SaslStatus.START, 'PLAIN'),
    encodeSaslFrame(SaslStatus.OK, Buffer.from(`${user}\0${user}\0bench`)),
    frame(openSessionCall()),
  ]);
}

/** The node's whole answer: SASL COMPLETE, then the framed OpenSession success. */
export const NODE_ANSWER = Buffer.concat([encodeSaslFrame(SaslStatus.COMPLETE, ''), frame(openSessionOk())]);
