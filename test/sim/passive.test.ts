// Each way a passive node turns a client away, checked byte for byte with raw sockets: these are
// exactly the signals a router has to recognise as "not active".
import { beforeAll, describe, expect, test } from 'vitest';
import type { SimCluster } from '../../sim/cluster.js';
import { startSimCluster } from '../helpers/sim.js';
import { HiveAuthError, HiveConnectionLostError, HiveStatusError, HiveTimeoutError, openHiveSession, runQuery } from '../../sim/hive-client.js';
import type { PassiveStyle } from '../../sim/options.js';
import { saslPlainFrames } from '../../sim/wire.js';
import { decodeGetInfoReply, getInfoCall, httpCall, rawTalk } from './helpers.js';

const PASSIVE_MESSAGE = 'Livy server is not active (follower)';

function saslReply(data: Buffer): { status: number | undefined; message: string } {
  const length = data.length >= 5 ? data.readUInt32BE(1) : 0;
  return { status: data[0], message: data.subarray(5, 5 + length).toString('utf8') };
}

describe('binary passive styles', () => {
  let cluster: SimCluster;
  const styles: PassiveStyle[] = ['refuse', 'reset', 'close', 'sasl-bad', 'sasl-error', 'open-session-error', 'hang'];
  const port = (style: PassiveStyle): number => cluster.node(`p-${style}`).thriftPort;

  beforeAll(async () => {
    cluster = await startSimCluster({
      nodes: [{ name: 'leader' }, ...styles.map((style) => ({ name: `p-${style}`, passiveStyle: style }))],
      active: 'leader',
    });
  });

  test('sasl-bad: BAD frame with the passive message, then FIN', async () => {
    const r = await rawTalk(port('sasl-bad'), saslPlainFrames(), 2000);
    expect(saslReply(r.data)).toEqual({ status: 0x03, message: PASSIVE_MESSAGE });
    expect(r.data.length).toBe(5 + PASSIVE_MESSAGE.length);
    expect(r.closedByPeer).toBe(true);
    expect(r.errorCode).toBeUndefined();
  });

  test('sasl-error: ERROR frame with the passive message, then FIN', async () => {
    const r = await rawTalk(port('sasl-error'), saslPlainFrames(), 2000);
    expect(saslReply(r.data)).toEqual({ status: 0x04, message: PASSIVE_MESSAGE });
    expect(r.closedByPeer).toBe(true);
  });

  test('refuse: ECONNREFUSED on the Thrift port, REST still answers', async () => {
    const r = await rawTalk(port('refuse'), undefined, 2000);
    expect(r.errorCode).toBe('ECONNREFUSED');
    const rest = await httpCall(`${cluster.node('p-refuse').restUrl}/ha-status`);
    expect(rest.status).toBe(503);
  });

  test('reset: ECONNRESET', async () => {
    const r = await rawTalk(port('reset'), saslPlainFrames(), 2000);
    expect(r.errorCode).toBe('ECONNRESET');
    expect(r.data.length).toBe(0);
  });

  test('close: FIN after the first bytes, no answer', async () => {
    const r = await rawTalk(port('close'), saslPlainFrames(), 2000);
    expect(r.closedByPeer).toBe(true);
    expect(r.data.length).toBe(0);
    expect(r.errorCode).toBeUndefined();
  });

  test('hang: accepted, no byte within 300 ms, not closed', async () => {
    const r = await rawTalk(port('hang'), saslPlainFrames(), 300);
    expect(r.closedByPeer).toBe(false);
    expect(r.data.length).toBe(0);
    expect(r.errorCode).toBeUndefined();
  });

  test('open-session-error: SASL passes, GetInfo answers, OpenSession gets the HS2 error', async () => {
    const probe = Buffer.concat([saslPlainFrames(), getInfoCall(13, true)]);
    const r = await rawTalk(port('open-session-error'), probe, 500);
    expect([...r.data.subarray(0, 5)]).toEqual([0x05, 0, 0, 0, 0]);
    const frameLength = r.data.readUInt32BE(5);
    const reply = decodeGetInfoReply(r.data.subarray(9, 9 + frameLength));
    expect(reply).toEqual({ statusCode: 0, stringValue: 'Livy-sim p-open-session-error' });

    const failure = await openHiveSession({ host: '127.0.0.1', port: port('open-session-error'), timeoutMs: 2000 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HiveStatusError);
    expect((failure as Error).message).toContain('Cannot open sessions on an inactive HS2 instance');
    const node = cluster.node('p-open-session-error');
    expect(node.stats.openSessionCalls).toBe(1);
    expect(node.stats.sessionsOpened).toBe(0);
  });

  test('the leader: COMPLETE, and a GetInfo probe with a zero handle opens no session', async () => {
    const leader = cluster.node('leader');
    const before = leader.stats;
    const r = await rawTalk(leader.thriftPort, Buffer.concat([saslPlainFrames(), getInfoCall(18, true)]), 500);
    expect([...r.data.subarray(0, 5)]).toEqual([0x05, 0, 0, 0, 0]);
    const reply = decodeGetInfoReply(r.data.subarray(9));
    expect(reply).toEqual({ statusCode: 0, stringValue: '0.8.0-sim' });
    expect(leader.stats.getInfoCalls).toBe(before.getInfoCalls + 1);
    expect(leader.stats.sessionsOpened).toBe(before.sessionsOpened);
  });

  test('a NOSASL client on a SASL port gets ERROR "Invalid status -128"', async () => {
    const r = await rawTalk(cluster.node('leader').thriftPort, getInfoCall(13, false), 2000);
    expect(saslReply(r.data)).toEqual({ status: 0x04, message: 'Invalid status -128' });
    expect(r.closedByPeer).toBe(true);
  });

  test('a Java-style COMPLETE initial response is accepted too', async () => {
    const r = await rawTalk(cluster.node('leader').thriftPort, saslPlainFrames('u', 'p', 0x05), 300);
    expect([...r.data]).toEqual([0x05, 0, 0, 0, 0]);
  });

  test('hive-client reports each style promptly and distinctly', async () => {
    const at = (style: PassiveStyle, timeoutMs: number) => ({ host: '127.0.0.1', port: port(style), timeoutMs });
    const started = Date.now();
    const results = await Promise.all(
      (['refuse', 'reset', 'close', 'sasl-bad', 'sasl-error'] as const).map((style) => runQuery(at(style, 5000), 'SELECT node').catch((err: unknown) => err)),
    );
    // None of these needs the deadline: each is reported as soon as its bytes arrive.
    expect(Date.now() - started).toBeLessThan(4000);
    const [refuse, reset, close, bad, error] = results;
    expect(refuse).toBeInstanceOf(HiveConnectionLostError);
    expect(((refuse as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(reset).toBeInstanceOf(HiveConnectionLostError);
    expect(close).toBeInstanceOf(HiveConnectionLostError);
    expect(bad).toBeInstanceOf(HiveAuthError);
    expect((bad as Error).message).toContain(PASSIVE_MESSAGE);
    expect(error).toBeInstanceOf(HiveAuthError);
    const hang = await runQuery(at('hang', 300), 'SELECT node').catch((err: unknown) => err);
    expect(hang).toBeInstanceOf(HiveTimeoutError);
  });
});

describe('NOSASL node', () => {
  let cluster: SimCluster;
  beforeAll(async () => {
    cluster = await startSimCluster({ nodes: [{ name: 'n', auth: 'nosasl' }] });
  });

  test('answers a bare GetInfo probe, closes on SASL bytes', async () => {
    const port = cluster.node('n').thriftPort;
    const r = await rawTalk(port, getInfoCall(13, false), 500);
    expect(decodeGetInfoReply(r.data)).toEqual({ statusCode: 0, stringValue: 'Livy-sim n' });
    const sasl = await rawTalk(port, saslPlainFrames(), 2000);
    expect(sasl.closedByPeer).toBe(true);
    expect(sasl.data.length).toBe(0);
  });
});

describe('HTTP passive styles', () => {
  let cluster: SimCluster;
  const styles: PassiveStyle[] = ['http-307', 'http-503', 'http-502', 'http-close', 'refuse', 'hang'];
  const url = (name: string): string => `${cluster.node(name).thriftBaseUrl}/cliservice`;
  const post = (name: string) =>
    httpCall(url(name), {
      method: 'POST',
      body: getInfoCall(13, false),
      headers: { 'content-type': 'application/x-thrift' },
    });

  beforeAll(async () => {
    cluster = await startSimCluster({
      nodes: [{ name: 'leader', transport: 'http' }, ...styles.map((style) => ({ name: `h-${style}`, transport: 'http' as const, passiveStyle: style }))],
    });
  });

  test('the leader answers 200 application/x-thrift and sets the auth cookie', async () => {
    const r = await post('leader');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-thrift');
    expect(String(r.headers['set-cookie'])).toMatch(/^hive\.server2\.auth=[0-9a-f]+/);
    expect(decodeGetInfoReply(r.body)).toEqual({ statusCode: 0, stringValue: 'Livy-sim leader' });
  });

  test('http-307 points at the leader Thrift endpoint', async () => {
    const r = await post('h-http-307');
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe(`http://127.0.0.1:${cluster.node('leader').thriftPort}/cliservice`);
  });

  test('http-503, http-502', async () => {
    expect((await post('h-http-503')).status).toBe(503);
    expect((await post('h-http-502')).status).toBe(502);
  });

  test('http-close: closed before a status line', async () => {
    const r = await post('h-http-close');
    expect(r.status).toBeUndefined();
    expect(r.errorCode).toBe('ECONNRESET'); // node reports "socket hang up" as ECONNRESET
  });

  test('TCP styles apply to HTTP nodes too', async () => {
    expect((await rawTalk(cluster.node('h-refuse').thriftPort, undefined, 2000)).errorCode).toBe('ECONNREFUSED');
    const hang = await rawTalk(cluster.node('h-hang').thriftPort, Buffer.from('POST /cliservice HTTP/1.1\r\n\r\n'), 300);
    expect(hang.closedByPeer).toBe(false);
    expect(hang.data.length).toBe(0);
  });

  test('hive-client sees a non-200 as a lost connection carrying the status', async () => {
    const failure = await runQuery({ host: '127.0.0.1', port: cluster.node('h-http-503').thriftPort, transport: 'http', timeoutMs: 2000 }, 'SELECT node').catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(HiveConnectionLostError);
    expect((failure as HiveConnectionLostError).httpStatus).toBe(503);
  });
});
