// Raw handshake bytes for tests and benchmarks that speak to a node or the router without a
// Thrift library: what hive-driver sends first (SASL PLAIN + a framed OpenSession) and what a
// healthy node answers.
import { encodeSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { MessageType, StatusCode, TType } from '../src/wire/thrift-codec.js';
import { frame, Writer } from '../src/wire/thrift-writer.js';

/** A minimal OpenSession call (client_protocol V10), as TBinaryProtocol. */
export function openSessionCall(seqid = 1): Buffer {
  return new Writer().messageHeader(MessageType.CALL, 'OpenSession', seqid).field(TType.STRUCT, 1).field(TType.I32, 1).i32(9).stop().stop().toBuffer();
}

/** An OpenSession reply with a SUCCESS status. */
export function openSessionOk(seqid = 1): Buffer {
  return new Writer()
    .messageHeader(MessageType.REPLY, 'OpenSession', seqid)
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

/** SASL START PLAIN and the credentials, sent with `status` (OK, as hive-driver sends them). */
export function saslPlainFrames(user = 'anonymous', password = 'anonymous', status: number = SaslStatus.OK): Buffer {
  return Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), encodeSaslFrame(status, Buffer.from(`${user}\0${user}\0${password}`))]);
}

/** saslPlainFrames and a framed OpenSession call, in one buffer: what hive-driver sends first. */
export function plainClientHello(user = 'anonymous', password = 'anonymous'): Buffer {
  return Buffer.concat([saslPlainFrames(user, password), frame(openSessionCall())]);
}

/** A healthy node's whole answer to plainClientHello: SASL COMPLETE, then the framed OpenSession success. */
export const NODE_HELLO_ANSWER = Buffer.concat([encodeSaslFrame(SaslStatus.COMPLETE, ''), frame(openSessionOk())]);
