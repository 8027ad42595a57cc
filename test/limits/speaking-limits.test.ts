import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HiveSessionHandle } from '../../sim/hive-client.js';
import { queryNode } from '../../sim/hive-client.js';
import { plainClientHello } from '../../sim/wire.js';
import { getInfoCall } from '../../src/health/thrift-connection.js';
import { readReply, Reader } from '../../src/wire/thrift-codec.js';
import { frame } from '../../src/wire/thrift-writer.js';
import { REFUSAL_FIRST_BYTES_WAIT_MS } from '../../src/listener/limit-refusal.js';
import { REFUSALS_WAITING_PER_SOURCE } from '../../src/listener/refusal-gate.js';
import { eventually } from '../helpers/eventually.js';
import { exchange } from '../helpers/net.js';
import { startTestRouter } from '../helpers/router.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';

const USERS = { analyst: 's3cret' };
const LIMIT = 2;
const SOURCE_MESSAGE = `too many connections from 127.0.0.1: maxClientConnectionsPerSource is ${LIMIT}`;

/** Reads from `s` until `complete(bytes)` says the answer is whole; rejects on close or after 5 s. */
function readUntil(s: net.Socket, complete: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
      if (err) reject(err);
      else resolve(got);
    };
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (complete(got)) finish();
    };
    const onClose = () => finish(new Error(`closed after ${got.length} bytes`));
    const timer = setTimeout(() => finish(new Error(`incomplete answer after 5 s (${got.length} bytes)`)), 5000);
    s.on('data', onData);
    s.once('close', onClose);
  });
}

/** Bytes of whole SASL frames (status + 4-byte length) then Thrift frames (4-byte length) in `b`, in order. */
const saslThenFrames = (saslFrames: number, thriftFrames: number) => (b: Buffer) => {
  let at = 0;
  for (let i = 0; i < saslFrames + thriftFrames; i++) {
    const head = i < saslFrames ? 5 : 4;
    if (b.length < at + head) return false;
    at += head + b.readUInt32BE(at + head - 4);
  }
  return b.length >= at;
};

describe('a client over maxClientConnectionsPerSource learns why, in its protocol', () => {
  it('binary: hive-driver gets a SASL error naming the limit; sessions of both sources are untouched', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', users: USERS }], active: 'livy-1' });
    const node = cluster.node('livy-1');
    const { port, lines, service } = await startTestRouter([{ name: 'livy-1', port: node.thriftPort }], { maxClientConnectionsPerSource: LIMIT });
    const target = { host: '127.0.0.1', port, user: 'analyst', password: 's3cret', timeoutMs: 5000 };
    const others = await Promise.all(['127.0.0.2', '127.0.0.2', '127.0.0.3'].map((from) => bystanderFrom(from, port)));
    try {
      // 127.0.0.1 at its limit with two hive-driver sessions of its own.
      const own: HiveSessionHandle[] = [await openHiveSession(target), await openHiveSession(target)];
      const err = await queryNode(target).then(
        () => 'served',
        (e: Error) => e.message,
      );
      expect(err).toContain(`livy-router: ${SOURCE_MESSAGE}`);
      expect(err).toMatch(/Authentication error/);
      await eventually(() => lines.find((l) => l.level === 40 && l.msg === `refused 1 client(s): ${SOURCE_MESSAGE}`), { what: 'the warn line' });

      for (const s of own) expect((await s.query('SELECT node')).rows).toEqual([{ node: 'livy-1' }]);
      for (const [i, b] of others.entries()) expect(await b.roundTrip(10 + i)).toBe('GetInfo');
      expect(service.router.admission.open).toBe(LIMIT + others.length);
    } finally {
      for (const b of others) b.socket.destroy();
    }
  }, 30_000);

  it('http: a request gets a 503 with a text body naming the limit; another source is served', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', transport: 'http', users: USERS }], active: 'livy-1' });
    const node = cluster.node('livy-1');
    const { port } = await startTestRouter([{ name: 'livy-1', port: node.thriftPort }], { maxClientConnectionsPerSource: LIMIT, nodeTransport: 'http' });
    const target = { host: '127.0.0.1', port, transport: 'http' as const, user: 'analyst', password: 's3cret', timeoutMs: 5000 };
    const own = [await openHiveSession(target), await openHiveSession(target)];
    const request = Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-thrift\r\nContent-Length: 0\r\n\r\n`);
    const refused = await exchange(port, request, { timeoutMs: 5000 });
    const text = refused.answer.toString();
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(text).toMatch(/\r\nContent-Type: text\/plain/i);
    expect(text.split('\r\n\r\n')[1]).toBe(`livy-router: ${SOURCE_MESSAGE}\n`);
    for (const s of own) expect((await s.query('SELECT node')).rows).toEqual([{ node: 'livy-1' }]);
    // Another source is not limited by 127.0.0.1's count.
    const other = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    other.on('error', () => {});
    try {
      other.write(request);
      const head = await readUntil(other, (b) => b.includes('\r\n\r\n'));
      expect(head.toString()).not.toMatch(/^HTTP\/1\.1 503/);
    } finally {
      other.destroy();
    }
  }, 30_000);

  it('bounds the cost: past a few waiting refusals per source, the rest are closed at once', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', users: USERS }], active: 'livy-1' });
    const { port, service } = await startTestRouter([{ name: 'livy-1', port: cluster.node('livy-1').thriftPort }], { maxClientConnectionsPerSource: LIMIT });
    const held = await Promise.all(Array.from({ length: LIMIT }, () => bystanderFrom('127.0.0.1', port)));
    const flood = 40;
    try {
      // Silent sockets past the limit: only REFUSALS_WAITING_PER_SOURCE of them may wait for their first bytes.
      const started = Date.now();
      const closedAfter = await Promise.all(
        Array.from({ length: flood }, () => exchange(port, undefined, { timeoutMs: 5000 }).then(() => Date.now() - started)),
      );
      const quick = closedAfter.filter((ms) => ms < REFUSAL_FIRST_BYTES_WAIT_MS / 2).length;
      console.info(`${flood} silent clients past the limit: ${quick} closed at once, ${flood - quick} waited (max ${Math.max(...closedAfter)} ms)`);
      expect(flood - quick).toBeLessThanOrEqual(REFUSALS_WAITING_PER_SOURCE);
      expect(flood - quick).toBeGreaterThan(0);
      await expect.poll(() => service.router.admission.gate.waiting).toBe(0);
      // The limit's own sessions carry on.
      for (const [i, b] of held.entries()) expect(await b.roundTrip(20 + i)).toBe('GetInfo');
    } finally {
      for (const b of held) b.socket.destroy();
    }
  }, 30_000);
});

interface RawSession {
  socket: net.Socket;
  /** A GetInfo call and its reply through the router: the method name of the reply. */
  roundTrip(seqid: number): Promise<string>;
}

/** A committed SASL PLAIN session from `localAddress` (hive-driver cannot choose its source address). */
async function bystanderFrom(localAddress: string, port: number): Promise<RawSession> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  socket.write(plainClientHello('analyst', 's3cret'));
  await readUntil(socket, saslThenFrames(1, 1));
  return {
    socket,
    roundTrip: async (seqid) => {
      socket.write(frame(getInfoCall(seqid)));
      const reply = await readUntil(socket, saslThenFrames(0, 1));
      return readReply(new Reader(reply.subarray(4), 0, 1 << 20)).name;
    },
  };
}
