import type { RouterConfig } from '../config/schema.js';
import { classify, type ClientProtocol } from '../wire/classify.js';
import { BinaryHandshake } from './binary.js';
import type { Handshake } from './handshake.js';
import { HttpHandshake } from './http.js';
import { errorResponse } from '../wire/http-message.js';
import { encodeSaslFrame, SaslStatus } from '../wire/sasl-frame.js';
import { Incomplete, readMessageHeader, Reader } from '../wire/thrift-codec.js';
import { openSessionErrorReply } from '../wire/thrift-writer.js';
import { TlsPassthrough } from './tls.js';
import { ResumableBinaryHandshake } from './resumable-binary.js';
import { ResumableHttpHandshake } from './resumable-http.js';

export interface HandshakeContext {
  listenerTransport: 'binary' | 'http' | 'auto';
  nodeTransport: 'binary' | 'http';
  maxBytes: number;
  maxHeaderBytes: number;
  /** onActiveLost: resume: sessions keep what a resume needs (resumable-binary.ts, resumable-http.ts). */
  resume: boolean;
}

export type Selection =
  | { kind: 'handshake'; handshake: Handshake }
  | { kind: 'refuse'; reason: string; reply?: Buffer }
  /** The first bytes are not enough to answer the client in its own protocol yet. */
  | { kind: 'need-more' };

const BINARY_URL = 'jdbc:hive2://HOST:PORT/default (no transportMode, or transportMode=binary)';
const HTTP_URL = 'jdbc:hive2://HOST:PORT/default;transportMode=http;httpPath=cliservice';

/**
 * Picks the inspector for a client's protocol, or turns the client away at once, in its own
 * protocol, when its transport cannot reach this cluster (never a hang, never garbage).
 */
export function selectHandshake(protocol: ClientProtocol, firstBytes: Buffer, ctx: HandshakeContext): Selection {
  switch (protocol) {
    case 'unknown':
      return { kind: 'refuse', reason: 'unrecognised first bytes (not SASL, NOSASL Thrift, HTTP or TLS)' };
    case 'tls':
      // Inside TLS the transport cannot be seen: pass it through whatever the nodes speak.
      return { kind: 'handshake', handshake: new TlsPassthrough(ctx.maxBytes) };
    case 'http': {
      if (ctx.listenerTransport === 'binary') {
        return refuseHttp(`this listener accepts binary Thrift only; use ${BINARY_URL}`);
      }
      if (ctx.nodeTransport === 'binary') {
        return refuseHttp(`this Livy cluster speaks binary Thrift, not HTTP; use ${BINARY_URL}`);
      }
      const limits = { maxHeaderBytes: ctx.maxHeaderBytes, maxBodyBytes: ctx.maxBytes };
      const http = new HttpHandshake(limits);
      return { kind: 'handshake', handshake: ctx.resume ? new ResumableHttpHandshake(http, limits) : http };
    }
    case 'sasl':
    case 'nosasl': {
      const wrong =
        ctx.listenerTransport === 'http'
          ? `this listener accepts Thrift over HTTP only; use ${HTTP_URL}`
          : ctx.nodeTransport === 'http'
            ? `this Livy cluster speaks Thrift over HTTP, not binary; use ${HTTP_URL}`
            : undefined;
      if (!wrong) {
        const binary = new BinaryHandshake(firstBytes[0]!, ctx.maxBytes);
        return { kind: 'handshake', handshake: ctx.resume ? new ResumableBinaryHandshake(binary, ctx.maxBytes) : binary };
      }
      if (protocol === 'sasl') {
        return { kind: 'refuse', reason: `binary (SASL) client: ${wrong}`, reply: encodeSaslFrame(SaslStatus.ERROR, `livy-router: ${wrong}`) };
      }
      return refuseNosasl(firstBytes, wrong, ctx.maxBytes);
    }
  }
}

/** A client's first bytes so far: its transport's parser, a refusal, or wait for more. */
export function selectForClient(firstBytes: Buffer, listenerTransport: HandshakeContext['listenerTransport'], config: RouterConfig): Selection {
  const protocol = classify(firstBytes);
  if (protocol === 'incomplete') return { kind: 'need-more' };
  return selectHandshake(protocol, firstBytes, {
    listenerTransport,
    nodeTransport: config.nodeTransport,
    maxBytes: config.handshake.maxBufferedBytes,
    maxHeaderBytes: config.handshake.maxHeaderBytes,
    resume: config.onActiveLost === 'resume',
  });
}

function refuseHttp(message: string): Selection {
  return { kind: 'refuse', reason: `HTTP client: ${message}`, reply: errorResponse(400, message) };
}

/** A NOSASL client reads Thrift: answer its OpenSession with an error status it can show. */
function refuseNosasl(firstBytes: Buffer, message: string, maxBytes: number): Selection {
  try {
    const h = readMessageHeader(new Reader(firstBytes, 0, maxBytes));
    return { kind: 'refuse', reason: `binary (NOSASL) client: ${message}`, reply: openSessionErrorReply(h.seqid, `livy-router: ${message}`) };
  } catch (err) {
    if (err instanceof Incomplete && firstBytes.length < 1024) return { kind: 'need-more' };
    return { kind: 'refuse', reason: `binary (NOSASL) client: ${message}` };
  }
}
