import { beforeAll, describe, expect, it } from 'vitest';
import { MessageType } from '../../src/wire/thrift-codec.js';
import { readSaslFrame } from '../../src/wire/sasl-frame.js';
import { NosaslFramer, SaslFramer, type Framer, type Unit } from '../../src/wire/framer.js';
import { HttpFramer, type HttpUnit } from '../../src/wire/http-framer.js';
import { readCall, TCLI_METHODS, type CallView } from '../../src/wire/tcli-call.js';
import { CAPTURED_ROWS, captureSession, type Capture, type CaptureTransport } from '../helpers/tcli-capture.js';

const MAX = 1 << 20;

function framer(transport: CaptureTransport, side: 'client' | 'node', units: Unit[]): Framer {
  const emit = (u: Unit) => units.push(u);
  if (transport === 'http') return new HttpFramer(side === 'client' ? 'request' : 'response', emit);
  return transport === 'sasl' ? new SaslFramer(emit) : new NosaslFramer(emit);
}

function cut(transport: CaptureTransport, side: 'client' | 'node', pieces: Buffer[]): Unit[] {
  const units: Unit[] = [];
  const f = framer(transport, side, units);
  for (const p of pieces) f.push(p);
  return units;
}

/** The committed stream: SASL negotiation (client START + PLAIN, node COMPLETE) is the handshake's. */
function committed(transport: CaptureTransport, c: Capture): { client: Buffer; node: Buffer } {
  if (transport !== 'sasl') return { client: c.fromClient, node: c.fromNode };
  let pos = 0;
  for (let i = 0; i < 2; i++) {
    const r = readSaslFrame(c.fromClient, pos, MAX);
    if (r.kind !== 'frame') throw new Error('no SASL frame');
    pos = r.frame.end;
  }
  const complete = readSaslFrame(c.fromNode, 0, MAX);
  if (complete.kind !== 'frame') throw new Error('no SASL COMPLETE');
  return { client: c.fromClient.subarray(pos), node: c.fromNode.subarray(complete.frame.end) };
}

/** The same responses re-sent with chunked bodies cut in pieces of 1..97 bytes. */
function rechunk(units: HttpUnit[]): Buffer {
  const out: Buffer[] = [];
  let n = 0;
  for (const u of units) {
    const headEnd = u.raw.indexOf('\r\n\r\n') + 4;
    if (!u.payload) {
      out.push(u.raw);
      continue;
    }
    const head = u.raw.toString('latin1', 0, headEnd).replace(/\r\ncontent-length:[^\r]*/i, '\r\nTransfer-Encoding: chunked');
    out.push(Buffer.from(head, 'latin1'));
    for (let pos = 0; pos < u.payload.length;) {
      const size = Math.min(u.payload.length - pos, 1 + ((n++ * 37) % 97));
      out.push(Buffer.from(`${size.toString(16)}\r\n`), u.payload.subarray(pos, pos + size), Buffer.from('\r\n'));
      pos += size;
    }
    out.push(Buffer.from('0\r\nX-Trailer: 1\r\n\r\n'));
  }
  return Buffer.concat(out);
}

/** What the captured session does not call: every other method of the IDL is in it. */
const NOT_CALLED = ['GetDelegationToken', 'CancelDelegationToken', 'RenewDelegationToken', 'GetQueryId', 'SetClientInfo', 'UploadData', 'DownloadData'];

describe.each(['sasl', 'nosasl', 'http'] as const)('framers and the call view on what hive-driver and the node exchange: %s', (transport) => {
  let client: Buffer;
  let node: Buffer;
  let requests: CallView[];
  let replies: CallView[];

  beforeAll(async () => {
    ({ client, node } = committed(transport, await captureSession(transport)));
    requests = cut(transport, 'client', [client]).flatMap((u) => (u.payload ? [readCall(u.payload, MAX)] : []));
    replies = cut(transport, 'node', [node]).flatMap((u) => (u.payload ? [readCall(u.payload, MAX)] : []));
  }, 30_000);

  it('cuts every request and reply whole, the units giving back the stream byte for byte', () => {
    for (const [side, bytes] of [
      ['client', client],
      ['node', node],
    ] as const) {
      const units = cut(transport, side, [bytes]);
      expect(Buffer.concat(units.map((u) => u.raw)).equals(bytes)).toBe(true);
    }
    expect(requests.map((r) => r.method)).toEqual(replies.map((r) => r.method));
    expect(requests.every((r) => r.type === MessageType.CALL)).toBe(true);
    expect(replies.every((r) => r.type === MessageType.REPLY)).toBe(true);
    expect(replies.map((r) => r.seqid)).toEqual(requests.map((r) => r.seqid));
    expect(new Set(requests.map((r) => r.method))).toEqual(new Set([...TCLI_METHODS].filter((m) => !NOT_CALLED.includes(m))));
  });

  it('reads the handles, status, statement, protocol and the rows of each fetch', () => {
    const open = requests[0]!;
    expect(open).toMatchObject({ method: 'OpenSession', protocol: 9, username: 'alice' });
    expect(JSON.stringify(open)).not.toContain('secret');
    const session = replies[0]!.session!.guid;
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    expect(replies[0]).toMatchObject({ statusCode: 0, protocol: 9 });
    const executes = requests.filter((r) => r.method === 'ExecuteStatement');
    expect(executes.map((r) => [r.statement, r.runAsync])).toEqual([
      [`select * from range(${CAPTURED_ROWS})`, true],
      ['select node', false],
      ['select sleep(5000)', true],
    ]);
    for (const r of requests.slice(1)) {
      if (r.session) expect(r.session.guid).toBe(session);
      else expect(r.operation?.guid).toMatch(/^[0-9a-f]{32}$/);
    }
    // The operation ExecuteStatement returns is the one the next calls name, at the offset given.
    const firstExec = replies.findIndex((r) => r.method === 'ExecuteStatement');
    const op = replies[firstExec]!.operation!;
    expect(requests[firstExec + 1]!.operation!.guid).toBe(op.guid);
    const fetches = replies.filter((r) => r.method === 'FetchResults');
    // hive-driver fetches 100 rows at a time; the last reply (from row 300) is empty and says so.
    expect(fetches.map((f) => [f.rows, f.hasMoreRows])).toEqual([
      [100, true],
      [100, true],
      [100, false],
      [0, false],
    ]);
    const metadata = replies.filter(
      (r) => r.method.startsWith('Get') && r.method !== 'GetInfo' && r.method !== 'GetOperationStatus' && r.method !== 'GetResultSetMetadata',
    );
    expect(metadata.every((r) => r.statusCode === 3)).toBe(true);
    expect(replies.find((r) => r.method === 'CancelOperation')!.statusCode).toBe(0);
  });

  it('cuts the same units when the stream is split at every byte boundary, or fed a byte at a time', () => {
    for (const [side, bytes] of [
      ['client', client],
      ['node', node],
    ] as const) {
      const whole = cut(transport, side, [bytes]).map((u) => u.raw);
      for (let i = 1; i < bytes.length; i++) {
        const units = cut(transport, side, [bytes.subarray(0, i), bytes.subarray(i)]);
        if (units.length !== whole.length || units.some((u, k) => !u.raw.equals(whole[k]!))) throw new Error(`${side} split at ${i}: units differ`);
      }
      const bytewise = cut(
        transport,
        side,
        [...bytes].map((b) => Buffer.of(b)),
      );
      expect(bytewise.map((u) => u.raw)).toEqual(whole);
    }
  });
});

describe('the HTTP response framer on chunked bodies', () => {
  let node: Buffer;
  beforeAll(async () => {
    node = (await captureSession('http')).fromNode;
  }, 30_000);

  it('reads chunked responses with trailers as well as Content-Length ones', () => {
    const units = cut('http', 'node', [node]) as HttpUnit[];
    const chunked = rechunk(units);
    const again = cut('http', 'node', [chunked]) as HttpUnit[];
    expect(again.map((u) => u.payload?.toString('hex'))).toEqual(units.map((u) => u.payload?.toString('hex')));
    expect(Buffer.concat(again.map((u) => u.raw)).equals(chunked)).toBe(true);
    for (let i = 1; i < chunked.length; i++) {
      const split = cut('http', 'node', [chunked.subarray(0, i), chunked.subarray(i)]);
      if (split.length !== again.length || split.some((u, k) => !u.payload?.equals(again[k]!.payload ?? Buffer.alloc(0)) && u.payload !== again[k]!.payload)) {
        throw new Error(`chunked split at ${i}: messages differ`);
      }
    }
  });
});
