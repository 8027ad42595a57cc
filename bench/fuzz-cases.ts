// First messages for the fuzz suite: a valid first message of each transport (SASL, NOSASL, HTTP,
// TLS), mostly mutated, and how the client delivers it (at once, in pieces, trickled; then a
// half-close, or silence). Deterministic from a seed.
import net from 'node:net';
import tls from 'node:tls';
import { encodeSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { openSessionCall, plainClientHello } from '../sim/wire.js';

export type Transport = 'sasl' | 'nosasl' | 'http' | 'tls';
export const TRANSPORTS: readonly Transport[] = ['sasl', 'nosasl', 'http', 'tls'];

export interface FuzzCase {
  transport: Transport;
  /** The pieces the client writes, in order, `gapMs` apart. */
  pieces: Buffer[];
  gapMs: number;
  /** Half-close after the last piece; otherwise stay silent until the router closes. */
  halfClose: boolean;
  mutated: boolean;
}

export type Rnd = () => number;
export function seeded(seed: number): Rnd {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[int(rnd, xs.length)]!;

function httpRequest(rnd: Rnd): Buffer {
  const body = openSessionCall(1 + int(rnd, 100));
  const auth = `Authorization: Basic ${Buffer.from('alice:secret').toString('base64')}\r\n`;
  const head = `POST /cliservice HTTP/1.1\r\nHost: router\r\nContent-Type: application/x-thrift\r\n${auth}`;
  if (rnd() < 0.3) {
    const cut = 1 + int(rnd, body.length - 1);
    const chunks = [body.subarray(0, cut), body.subarray(cut)].map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]));
    return Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`), ...chunks, Buffer.from('0\r\n\r\n')]);
  }
  return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body]);
}

function saslHello(rnd: Rnd): Buffer {
  switch (int(rnd, 4)) {
    case 0:
      return encodeSaslFrame(SaslStatus.START, 'GSSAPI');
    case 1:
      return encodeSaslFrame(SaslStatus.START, 'PLAIN\0alice\0secret');
    default:
      return plainClientHello('alice', 'secret');
  }
}

const MUTATIONS: Array<(b: Buffer, rnd: Rnd) => Buffer> = [
  (b, r) => {
    const out = Buffer.from(b);
    for (let i = 0, n = 1 + int(r, 4); i < n; i++) out[int(r, out.length)] ^= 1 << int(r, 8);
    return out;
  },
  (b, r) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), Buffer.from([int(r, 256)]), b.subarray(at)]);
  },
  (b, r) => {
    const at = int(r, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(r, 8))]);
  },
  (b, r) => b.subarray(0, int(r, b.length)),
  (b, r) => {
    const at = int(r, Math.max(1, b.length - 4));
    const out = Buffer.from(b);
    if (out.length >= at + 4) out.writeUInt32BE(pick(r, [0, 1, 0x7fffffff, 0xffffffff, 0x06400001, out.length]), at);
    return out;
  },
  (b, r) => {
    const at = int(r, b.length);
    const len = 1 + int(r, 16);
    return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
  },
  (b, r) => Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(r, 64) }, () => int(r, 256)))]),
  (b, r) => {
    const out = Buffer.from(b);
    const at = int(r, out.length);
    out.fill(pick(r, [0x00, 0x0d, 0x0a, 0x20, 0xff, 0x7f]), at, Math.min(out.length, at + 1 + int(r, 3)));
    return out;
  },
];

export class CaseSource {
  private constructor(private readonly clientHello: Buffer) {}

  /** Captures a real TLS ClientHello (node:tls to a loopback socket that never answers). */
  static async start(): Promise<CaseSource> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const hello = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))));
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'router' });
    client.on('error', () => {});
    const bytes = await hello;
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    return new CaseSource(bytes);
  }

  make(transport: Transport, rnd: Rnd): FuzzCase {
    const valid = { sasl: saslHello, nosasl: (r: Rnd) => openSessionCall(1 + int(r, 100)), http: httpRequest, tls: () => this.clientHello }[transport](rnd);
    const mutated = rnd() < 0.85;
    let bytes = valid;
    if (mutated) for (let i = 0, n = 1 + int(rnd, 3); i < n; i++) bytes = pick(rnd, MUTATIONS)(bytes, rnd);
    if (bytes.length === 0) bytes = Buffer.from([int(rnd, 256)]);
    const delivery = rnd();
    let pieces: Buffer[] = [bytes];
    let gapMs = 0;
    if (delivery < 0.15) {
      const cuts = Array.from({ length: 1 + int(rnd, 4) }, () => int(rnd, bytes.length)).sort((a, b) => a - b);
      pieces = [0, ...cuts].map((from, i, all) => bytes.subarray(from, all[i + 1] ?? bytes.length)).filter((p) => p.length > 0);
      gapMs = 1 + int(rnd, 20);
    } else if (delivery < 0.17) {
      // A short trickle: the first bytes one at a time.
      const n = Math.min(bytes.length, 12);
      pieces = [...Array.from({ length: n }, (_, i) => bytes.subarray(i, i + 1)), bytes.subarray(n)].filter((p) => p.length > 0);
      gapMs = 5;
    }
    return { transport, pieces, gapMs, halfClose: rnd() < 0.95, mutated };
  }
}
