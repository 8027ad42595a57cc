import type { ClientProtocol } from '../listener/classify.js';
import { BinaryHandshake } from './binary.js';
import type { Handshake } from './handshake.js';
import { encodeSaslFrame, SaslStatus } from './sasl-frame.js';

export interface HandshakeContext {
  listenerTransport: 'binary' | 'http' | 'auto';
  nodeTransport: 'binary' | 'http';
  maxBytes: number;
}

export type Selection = { kind: 'handshake'; handshake: Handshake } | { kind: 'refuse'; reason: string; reply?: Buffer };

/** Picks the inspector for a client's protocol, or refuses the client in its own protocol. */
export function selectHandshake(protocol: ClientProtocol, firstBytes: Buffer, ctx: HandshakeContext): Selection {
  if (protocol === 'unknown') {
    return { kind: 'refuse', reason: 'unrecognised first bytes (not SASL, NOSASL Thrift, HTTP or TLS)' };
  }
  if (protocol === 'sasl' || protocol === 'nosasl') {
    if (ctx.listenerTransport === 'http') {
      return { kind: 'refuse', reason: 'binary Thrift client on an http listener', ...saslRefusal(protocol, 'this listener speaks Thrift over HTTP (transportMode=http;httpPath=cliservice)') };
    }
    if (ctx.nodeTransport === 'http') {
      return {
        kind: 'refuse',
        reason: 'binary Thrift client, but the cluster speaks HTTP',
        ...saslRefusal(protocol, 'the Livy cluster speaks Thrift over HTTP: add ;transportMode=http;httpPath=cliservice to the JDBC URL'),
      };
    }
    return { kind: 'handshake', handshake: new BinaryHandshake(firstBytes[0]!, ctx.maxBytes) };
  }
  return { kind: 'refuse', reason: `${protocol} clients are not supported yet` };
}

function saslRefusal(protocol: 'sasl' | 'nosasl', message: string): { reply?: Buffer } {
  return protocol === 'sasl' ? { reply: encodeSaslFrame(SaslStatus.ERROR, `livy-router: ${message}`) } : {};
}
