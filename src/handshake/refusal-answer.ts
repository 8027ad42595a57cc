import { classify } from '../wire/classify.js';
import { errorResponse } from '../wire/http-message.js';
import { encodeSaslFrame, SaslStatus } from '../wire/sasl-frame.js';
import { Incomplete, readMessageHeader, Reader } from '../wire/thrift-codec.js';
import { openSessionErrorReply } from '../wire/thrift-writer.js';
import { TLS_ALERT_INTERNAL_ERROR } from './tls.js';

export type RefusalAnswer =
  /** The bytes so far do not tell the protocol, or not enough to answer in it (a NOSASL seqid). */
  | { kind: 'need-more' }
  /** `reply`: the refusal in the client's protocol; undefined when it has no word for it (close only). */
  | { kind: 'answer'; reply: Buffer | undefined };

/** A NOSASL call header longer than this without its end is not one: answer nothing. */
const MAX_HEADER_BYTES = 1024;

/**
 * The router's refusal of a client it will not serve (a connection limit), in the protocol of the
 * client's first bytes, naming why: SASL an ERROR frame, NOSASL an OpenSession error reply with the
 * call's seqid, HTTP a 503 with a text body, TLS an alert (the words cannot reach inside TLS).
 * Pure: bytes in, an answer out.
 */
export function refusalAnswer(firstBytes: Buffer, message: string): RefusalAnswer {
  const text = `livy-router: ${message}`;
  switch (classify(firstBytes)) {
    case 'incomplete':
      return { kind: 'need-more' };
    case 'sasl':
      return { kind: 'answer', reply: encodeSaslFrame(SaslStatus.ERROR, text) };
    case 'http':
      return { kind: 'answer', reply: errorResponse(503, message) };
    case 'tls':
      return { kind: 'answer', reply: TLS_ALERT_INTERNAL_ERROR };
    case 'unknown':
      return { kind: 'answer', reply: undefined };
    case 'nosasl':
      try {
        const h = readMessageHeader(new Reader(firstBytes, 0, MAX_HEADER_BYTES));
        return { kind: 'answer', reply: openSessionErrorReply(h.seqid, text) };
      } catch (err) {
        if (err instanceof Incomplete && firstBytes.length < MAX_HEADER_BYTES) return { kind: 'need-more' };
        return { kind: 'answer', reply: undefined };
      }
  }
}
