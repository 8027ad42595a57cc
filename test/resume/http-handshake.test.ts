// The HTTP handshake in resume mode (src/handshake/resumable-http.ts): the first OpenSession is
// named and re-framed (its Content-Length rewritten) before any node sees it, whatever the chunks;
// with close or keep the handshake is the plain one and the bytes are the client's.
import { expect, test } from 'vitest';
import thrift from 'thrift';
import hive from 'hive-driver';
import { selectHandshake, type HandshakeContext } from '../../src/handshake/select.js';
import { readMessage } from '../../src/wire/http-exchange.js';
import { clientSessionName } from '../../src/wire/tcli-compose.js';

const T = hive.thrift.TCLIService_types;
const limits = { maxHeaderBytes: 16_384, maxBodyBytes: 1 << 20 };

function openSessionBody(configuration?: Record<string, string>): Buffer {
  const out: Buffer[] = [];
  const p = new thrift.TBinaryProtocol(new thrift.TBufferedTransport(undefined, (b) => b && out.push(b)));
  p.writeMessageBegin('OpenSession', thrift.Thrift.MessageType.CALL, 1);
  p.writeStructBegin('args');
  p.writeFieldBegin('req', thrift.Thrift.Type.STRUCT, 1);
  new T.TOpenSessionReq({ client_protocol: 9, username: 'alice', password: 'pw', ...(configuration && { configuration }) }).write(p);
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
  p.writeMessageEnd();
  p.flush();
  return Buffer.concat(out);
}

const post = (body: Buffer) =>
  Buffer.concat([Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: router:10090\r\nAuthorization: Basic eA==\r\nContent-Length: ${body.length}\r\n\r\n`), body]);

function handshake(resume: boolean) {
  const ctx: HandshakeContext = {
    listenerTransport: 'auto',
    nodeTransport: 'http',
    maxBytes: limits.maxBodyBytes,
    maxHeaderBytes: limits.maxHeaderBytes,
    resume,
  };
  const sel = selectHandshake('http', Buffer.from('POST '), ctx);
  if (sel.kind !== 'handshake') throw new Error(sel.kind);
  return sel.handshake;
}

test('resume: the first OpenSession is named and re-framed, whatever the chunks; the kit keeps both bodies', () => {
  const body = openSessionBody({ 'use:database': 'sales' });
  const request = post(body);
  for (const cut of [1, 20, request.length - 1]) {
    const hs = handshake(true);
    expect(hs.onClientData(request.subarray(0, cut))).toEqual({ kind: 'ok', forward: Buffer.alloc(0) });
    expect(hs.readyToDial).toBe(false);
    hs.onClientData(request.subarray(cut));
    expect(hs.readyToDial).toBe(true);
    const sent = readMessage(hs.startAttempt(), 'request', limits);
    if (sent.kind !== 'whole') throw new Error(sent.kind);
    expect(sent.message.end).toBe(hs.startAttempt().length);
    expect(clientSessionName(sent.message.body, limits.maxBodyBytes)).toMatch(/^set:hiveconf:livy\.session\.name=livy-router-[0-9a-f-]{36}$/);
    expect(hs.resumable?.transport).toBe('http');
    expect(hs.resumable?.kit?.clientOpenSession).toEqual(body);
    expect(hs.resumable?.kit?.openSession).toEqual(sent.message.body);
    expect(sent.message.head.headers).toContainEqual(['authorization', 'Basic eA==']);
  }
});

test('resume: an OpenSession the client named goes on as it is; close and keep: the plain handshake, the bytes unchanged', () => {
  const named = post(openSessionBody({ 'set:hiveconf:livy.session.name': 'mine' }));
  const hs = handshake(true);
  hs.onClientData(named);
  expect(hs.startAttempt()).toEqual(named);
  expect(hs.resumable?.kit?.sessionName).toBe('set:hiveconf:livy.session.name=mine');
  const plain = handshake(false);
  const request = post(openSessionBody());
  plain.onClientData(request);
  expect(plain.startAttempt()).toEqual(request);
  expect(plain.resumable).toBeUndefined();
  const chunked = Buffer.from('POST /cliservice HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n');
  const piped = handshake(true);
  piped.onClientData(chunked);
  expect([piped.startAttempt(), piped.resumable]).toEqual([chunked, undefined]);
});
