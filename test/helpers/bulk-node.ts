import net from 'node:net';
import { createHash } from 'node:crypto';
import { encodeSaslFrame, readSaslFrame, SaslStatus } from '../../src/handshake/sasl-frame.js';
import { frame } from '../../src/handshake/thrift-codec.js';
import { openSessionOk } from '../../src/sim/wire.js';

export { openSessionCall, openSessionOk, plainClientHello } from '../../src/sim/wire.js';

/**
 * A node for data-path tests: completes SASL PLAIN and answers the first framed call with an
 * OpenSession success, then stops speaking Thrift and becomes a byte sink/source, so tests can
 * push hundreds of MiB through the router and compare checksums. Real sockets only.
 */
export interface BulkNode {
  port: number;
  /** What the node does after the handshake, per connection. */
  setMode(mode: BulkMode): void;
  received: Array<{ bytes: number; sha256: string; endedByClient: boolean }>;
  connections(): number;
  close(): Promise<void>;
}

export type BulkMode =
  | { kind: 'sink' } // read until FIN, then record bytes/checksum and close
  | { kind: 'source'; bytes: number } // send `bytes` of pattern, then FIN
  | { kind: 'echo-after-end' }; // read until client FIN, then send back "got N" and FIN

/** Length of the router's answer to plainClientHello from a healthy bulk node. */
export const PLAIN_HELLO_ANSWER_BYTES = 5 + 4 + openSessionOk(1).length;

export function pattern(size: number, offset: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (offset + i) % 251;
  return b;
}

export async function startBulkNode(): Promise<BulkNode> {
  let mode: BulkMode = { kind: 'sink' };
  const sockets = new Set<net.Socket>();
  const received: BulkNode['received'] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    const connMode = mode;
    let buf = Buffer.alloc(0);
    let stage: 'sasl' | 'call' | 'bulk' = 'sasl';
    const hash = createHash('sha256');
    let bytes = 0;
    const onHandshake = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'sasl') {
        const a = readSaslFrame(buf, 0, 1 << 20);
        if (a.kind !== 'frame') return;
        const b = readSaslFrame(buf, a.frame.end, 1 << 20);
        if (b.kind !== 'frame') return;
        s.write(encodeSaslFrame(SaslStatus.COMPLETE, ''));
        buf = buf.subarray(b.frame.end);
        stage = 'call';
      }
      if (stage === 'call') {
        if (buf.length < 4 || buf.length < 4 + buf.readUInt32BE(0)) return;
        buf = buf.subarray(4 + buf.readUInt32BE(0));
        s.write(frame(openSessionOk(1)));
        stage = 'bulk';
        s.off('data', onHandshake);
        startBulk(buf);
      }
    };
    const startBulk = (rest: Buffer) => {
      const count = (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      };
      if (rest.length) count(rest);
      s.on('data', count);
      s.on('end', () => {
        received.push({ bytes, sha256: hash.digest('hex'), endedByClient: true });
        if (connMode.kind === 'echo-after-end') s.end(`got ${bytes}`);
        else if (connMode.kind === 'sink') s.end();
      });
      if (connMode.kind === 'source') {
        let sent = 0;
        const chunk = 64 * 1024;
        const pump = () => {
          while (sent < connMode.bytes) {
            const n = Math.min(chunk, connMode.bytes - sent);
            const ok = s.write(pattern(n, sent));
            sent += n;
            if (!ok) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      }
    };
    s.on('data', onHandshake);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    setMode: (m) => (mode = m),
    received,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
