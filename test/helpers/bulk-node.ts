import net from 'node:net';
import { createHash } from 'node:crypto';
import { encodeSaslFrame, readSaslFrame, SaslStatus } from '../../src/wire/sasl-frame.js';
import { MessageType, TType } from '../../src/wire/thrift-codec.js';
import { frame, Writer } from '../../src/wire/thrift-writer.js';
import { openSessionOk, plainClientHello } from '../../sim/wire.js';
import { track } from './registry.js';

export { openSessionCall, openSessionOk, plainClientHello } from '../../sim/wire.js';

/**
 * A node for data-path tests: completes SASL PLAIN and answers the first framed call with an
 * OpenSession success, then stops speaking Thrift and becomes a byte sink/source, so tests can
 * push hundreds of MiB through the router and compare checksums. Real sockets only.
 */
export interface BulkNode {
  port: number;
  /** What the node does after the handshake, per connection. */
  setMode(mode: BulkMode): void;
  /** The node takes this long to answer OpenSession (a slow node, or a commit that lands late). */
  setAnswerDelay(ms: number): void;
  received: Array<{ bytes: number; sha256: string; endedByClient: boolean }>;
  connections(): number;
  close(): Promise<void>;
}

export type BulkMode =
  | { kind: 'sink' } // read until FIN, then record bytes/checksum and close
  | { kind: 'source'; bytes: number } // send `bytes` of pattern, then FIN
  | { kind: 'echo-after-end' } // read until client FIN, then send back "got N" and FIN
  | { kind: 'keyed-source'; bytes: number } // wait for one byte K from the client, then send `bytes` bytes all equal to K, then FIN
  | { kind: 'keyed-thrift'; frames: number; rowBytes: number }; // wait for keyedThriftCall(K), then send `frames` x keyedThriftReply(K, rowBytes), then FIN

/** A framed FetchResults call whose seqid is the session's key (what a keyed-thrift node waits for). */
export function keyedThriftCall(key: number): Buffer {
  return frame(new Writer().messageHeader(MessageType.CALL, 'FetchResults', key).field(TType.STRUCT, 1).stop().stop().toBuffer());
}

/**
 * A framed FetchResults reply, seqid = key, one row: a binary column whose value is `rowBytes`
 * bytes all equal to the key. An observing router reads each as a reply of one row.
 */
export function keyedThriftReply(key: number, rowBytes: number): Buffer {
  const w = new Writer().messageHeader(MessageType.REPLY, 'FetchResults', key).field(TType.STRUCT, 0);
  w.field(TType.STRUCT, 1).field(TType.I32, 1).i32(0).stop(); // status SUCCESS
  w.field(TType.BOOL, 2).byte(1); // hasMoreRows
  w.field(TType.STRUCT, 3).field(TType.I64, 1).i32(0).i32(0); // TRowSet.startRowOffset
  w.field(TType.LIST, 2).byte(TType.STRUCT).i32(0); // rows: none (columnar)
  w.field(TType.LIST, 3).byte(TType.STRUCT).i32(1); // columns: one
  w.field(TType.STRUCT, 8).field(TType.LIST, 1).byte(TType.STRING).i32(1).string(Buffer.alloc(rowBytes, key)); // binaryVal.values
  w.field(TType.STRING, 2).string(Buffer.alloc(1)).stop().stop(); // nulls; end TBinaryColumn, TColumn
  w.stop().stop().stop(); // end TRowSet, TFetchResultsResp, result
  return frame(w.toBuffer());
}

/** Length of the router's answer to plainClientHello from a healthy bulk node. */
export const PLAIN_HELLO_ANSWER_BYTES = 5 + 4 + openSessionOk(1).length;

export function pattern(size: number, offset: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (offset + i) % 251;
  return b;
}

/**
 * Connects through the router and completes the handshake; resolves with the router's answer and
 * the socket, paused, ready for bulk bytes (`leftover`: bulk bytes that came with the answer).
 */
export async function connectBulk(port: number): Promise<{ socket: net.Socket; answer: Buffer; leftover: Buffer }> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  await new Promise<void>((r, j) => {
    socket.once('connect', r);
    socket.once('error', j);
  });
  socket.write(plainClientHello());
  let got = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= PLAIN_HELLO_ANSWER_BYTES) {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.pause();
        resolve();
      }
    };
    const onClose = () => reject(new Error('closed during the handshake'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  if (got[0] !== 0x05) throw new Error(`expected SASL COMPLETE from the router, got 0x${got[0]?.toString(16)}`);
  return { socket, answer: got.subarray(0, PLAIN_HELLO_ANSWER_BYTES), leftover: got.subarray(PLAIN_HELLO_ANSWER_BYTES) };
}

export async function startBulkNode(): Promise<BulkNode> {
  let mode: BulkMode = { kind: 'sink' };
  let answerDelayMs = 0;
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
        stage = 'bulk';
        s.off('data', onHandshake);
        const rest = buf;
        const answer = () => {
          if (s.destroyed) return;
          s.write(frame(openSessionOk(1)));
          startBulk(rest);
        };
        if (answerDelayMs > 0) setTimeout(answer, answerDelayMs);
        else answer();
      }
    };
    const startBulk = (rest: Buffer) => {
      if (connMode.kind === 'keyed-source') return keyedSource(rest, connMode.bytes);
      if (connMode.kind === 'keyed-thrift') return keyedThrift(rest, connMode.frames, connMode.rowBytes);
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
    /** Streams the session's own key back, so a client can tell its bytes from any other's. */
    const keyedSource = (rest: Buffer, total: number) => {
      const start = (key: number) => {
        const block = Buffer.alloc(64 * 1024, key);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const n = Math.min(block.length, total - sent);
            sent += n;
            if (!s.write(n === block.length ? block : block.subarray(0, n))) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      };
      s.on('end', () => s.end());
      if (rest.length) return start(rest[0]!);
      s.once('data', (c: Buffer) => start(c[0]!));
    };
    /** Waits for keyedThriftCall(K), then streams keyedThriftReply(K) frames. */
    const keyedThrift = (rest: Buffer, frames: number, rowBytes: number) => {
      let got = rest;
      const onCall = (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
        s.off('data', onCall);
        const key = got.readInt32BE(4 + 4 + 4 + 'FetchResults'.length);
        const reply = keyedThriftReply(key, rowBytes);
        let sent = 0;
        const pump = () => {
          while (sent < frames) {
            sent++;
            if (!s.write(reply)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      };
      s.on('end', () => s.end());
      s.on('data', onCall);
      if (rest.length) onCall(Buffer.alloc(0));
    };
    s.on('data', onHandshake);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return track<BulkNode>({
    port: (server.address() as net.AddressInfo).port,
    setMode: (m) => (mode = m),
    setAnswerDelay: (ms) => (answerDelayMs = ms),
    received,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
}
