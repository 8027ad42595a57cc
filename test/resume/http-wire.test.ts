// What the resumable HTTP connection reads of the bytes (src/wire/http-exchange.ts): whole
// requests and responses, a chunked response de-chunked, a head with headers changed, cookies.
import { expect, test } from 'vitest';
import { cookieHeaderWithout, editHead, largeResponse, readMessage, requestCookies, setCookies, withBody } from '../../src/wire/http-exchange.js';

const limits = { maxHeaderBytes: 4096, maxBodyBytes: 64 };
const request = (headers: string, body: string) =>
  Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: r:1\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1');

test('a Content-Length request is read whole; a chunked one, one with an Expect header or one cut short is not', () => {
  const whole = readMessage(Buffer.concat([request('', 'abc'), Buffer.from('POST')]), 'request', limits);
  expect(whole.kind === 'whole' && [whole.message.body.toString(), whole.message.end]).toEqual(['abc', request('', 'abc').length]);
  expect(readMessage(request('', 'abc').subarray(0, 60), 'request', limits).kind).toBe('incomplete');
  const chunked = Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'latin1');
  expect(readMessage(chunked, 'request', limits)).toMatchObject({ kind: 'unreadable', reason: 'a chunked request body' });
  expect(readMessage(request('Expect: 100-continue\r\n', 'abc'), 'request', limits).kind).toBe('unreadable');
  // A malformed header line is never quoted: it could be a credential.
  const bad = readMessage(Buffer.from('POST / HTTP/1.1\r\nAuthorization Basic c2VjcmV0\r\n\r\n', 'latin1'), 'request', limits);
  expect(bad).toEqual({ kind: 'unreadable', reason: 'malformed head' });
});

test('a chunked response is read whole and its body de-chunked; a 100 Continue is a message of its own', () => {
  const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\nHTTP', 'latin1');
  const read = readMessage(chunked, 'response', limits);
  expect(read.kind === 'whole' && [read.message.status, read.message.body.toString(), read.message.end]).toEqual([200, 'abcde', chunked.length - 4]);
  const interim = readMessage(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1'), 'response', limits);
  expect(interim.kind === 'whole' && interim.message.status).toBe(100);
  expect(readMessage(Buffer.from('HTTP/1.1 200 OK\r\n\r\nabc', 'latin1'), 'response', limits).kind).toBe('unreadable');
});

test('a response over the body limit is told by its head alone', () => {
  const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n', 'latin1');
  expect(largeResponse(head, limits)).toMatchObject({ status: 200, length: 65, head: { end: head.length } });
  expect(largeResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n', 'latin1'), limits)).toBeUndefined();
  expect(largeResponse(head.subarray(0, 20), limits)).toBeUndefined();
});

test('a new body re-frames the request; edited headers replace the old ones, other lines kept byte for byte', () => {
  const raw = request('X-Odd:  spaced \r\nCookie: a=1\r\n', 'abc');
  const read = readMessage(raw, 'request', limits);
  if (read.kind !== 'whole') throw new Error('unread');
  const out = withBody(raw, read.message, Buffer.from('abcdef'), { cookie: 'b=2', authorization: 'Basic eA==' });
  expect(out.toString('latin1')).toBe(
    'POST /cliservice HTTP/1.1\r\nHost: r:1\r\nX-Odd:  spaced \r\ncookie: b=2\r\nauthorization: Basic eA==\r\ncontent-length: 6\r\n\r\nabcdef',
  );
  expect(editHead(raw, read.message.head.end, { cookie: undefined }).toString('latin1')).not.toMatch(/cookie/i);
});

test('auth cookies: read from Cookie headers as hive-driver and Hive JDBC send them, removed one by one, read from Set-Cookie', () => {
  const read = readMessage(request('Cookie: hive.server2.auth=old; Path=/; HttpOnly;hive.server2.auth=new; Path=/\r\nCookie: x=1\r\n', ''), 'request', limits);
  if (read.kind !== 'whole') throw new Error('unread');
  expect(requestCookies(read.message.head, 'hive.server2.auth')).toEqual(['old', 'new']);
  expect(cookieHeaderWithout(read.message.head, 'hive.server2.auth', (v) => v === 'old')).toBe('Path=/; HttpOnly; hive.server2.auth=new; Path=/; x=1');
  expect(cookieHeaderWithout(read.message.head, 'x', () => true)).toContain('hive.server2.auth=old');
  const response = readMessage(
    Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: hive.server2.auth=t1; Path=/\r\nContent-Length: 0\r\n\r\n', 'latin1'),
    'response',
    limits,
  );
  expect(response.kind === 'whole' && setCookies(response.message.head, 'hive.server2.auth')).toEqual(['t1']);
});
