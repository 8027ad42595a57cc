// Thrift SASL negotiation frames, server side: 1 status byte, 4-byte big-endian length, payload.
export const SaslStatus = { START: 1, OK: 2, BAD: 3, ERROR: 4, COMPLETE: 5 } as const;

/** Thrift rejects negotiation payloads above this size (TSaslTransport's limit). */
export const MAX_SASL_PAYLOAD = 104_857_600;

export const LOGIN_FAILED_MESSAGE = 'Error validating the login';
export const PASSIVE_SASL_MESSAGE = 'Livy server is not active (follower)';

export function saslFrame(status: number, payload: string | Buffer = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(5);
  header.writeUInt8(status, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

export type SaslRead =
  | { kind: 'need-more' }
  | { kind: 'frame'; status: number; payload: Buffer; rest: Buffer }
  /** The bytes cannot be a negotiation frame; `message` is what a Java server answers. */
  | { kind: 'invalid'; message: string };

const KNOWN_STATUSES = new Set<number>(Object.values(SaslStatus));

/** Read one frame from the front of `buf`. */
export function readSaslFrame(buf: Buffer): SaslRead {
  if (buf.length < 1) return { kind: 'need-more' };
  const status = buf.readUInt8(0);
  if (!KNOWN_STATUSES.has(status)) {
    // Java prints the status byte signed: a NOSASL client's 0x80 becomes -128.
    return { kind: 'invalid', message: `Invalid status ${buf.readInt8(0)}` };
  }
  if (buf.length < 5) return { kind: 'need-more' };
  const length = buf.readInt32BE(1);
  if (length < 0 || length > MAX_SASL_PAYLOAD) {
    return { kind: 'invalid', message: `Invalid payload header length: ${length}` };
  }
  if (buf.length < 5 + length) return { kind: 'need-more' };
  return {
    kind: 'frame',
    status,
    payload: buf.subarray(5, 5 + length),
    rest: buf.subarray(5 + length),
  };
}

export interface PlainCredentials {
  authzid: string;
  user: string;
  password: string;
}

/** PLAIN's initial response: `authzid \0 user \0 password` (RFC 4616). */
export function parsePlain(payload: Buffer): PlainCredentials | undefined {
  const parts = payload.toString('utf8').split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, user, password] = parts as [string, string, string];
  return { authzid, user, password };
}
