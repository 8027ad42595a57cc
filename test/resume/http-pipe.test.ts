// A resumable HTTP connection that gets a request it cannot read whole (a chunked body) becomes a
// plain pipe, through the real router process: to its node, or to the active node when it has no
// node connection open (just after a failover), rather than being closed.
import net from 'node:net';
import thrift from 'thrift';
import hive from 'hive-driver';
import { expect, test } from 'vitest';
import { readMessage } from '../../src/wire/http-exchange.js';
import { readReplyView } from '../../src/wire/tcli-view.js';
import { eventually } from '../helpers/eventually.js';
import { PASSWORD, fail, rig } from './helpers.js';

const T = hive.thrift.TCLIService_types;
const limits = { maxHeaderBytes: 16_384, maxBodyBytes: 1 << 20 };

function call(name: string, args: { write(p: thrift.TBinaryProtocol): void }): Buffer {
  const out: Buffer[] = [];
  const p = new thrift.TBinaryProtocol(new thrift.TBufferedTransport(undefined, (b) => b && out.push(b)));
  p.writeMessageBegin(name, thrift.Thrift.MessageType.CALL, 1);
  p.writeStructBegin('args');
  p.writeFieldBegin('req', thrift.Thrift.Type.STRUCT, 1);
  args.write(p);
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
  p.writeMessageEnd();
  p.flush();
  return Buffer.concat(out);
}

const AUTH = `Authorization: Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}\r\n`;
const post = (body: Buffer) => Buffer.concat([Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: r\r\n${AUTH}Content-Length: ${body.length}\r\n\r\n`), body]);
const chunked = (body: Buffer) =>
  Buffer.concat([
    Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: r\r\n${AUTH}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`),
    body,
    Buffer.from('\r\n0\r\n\r\n'),
  ]);

test('a chunked request just after a failover (no node connection open) is piped to the new active: the node answers, the connection stays', async () => {
  const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
  const socket = net.connect(r.router.port, '127.0.0.1');
  socket.on('error', () => {});
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
  const response = async () => {
    const read = await eventually(() => {
      const m = readMessage(buf, 'response', limits);
      return m.kind === 'whole' && m.message;
    });
    buf = buf.subarray(read.end);
    return readReplyView(read.body, limits.maxBodyBytes);
  };
  try {
    socket.write(post(call('OpenSession', new T.TOpenSessionReq({ client_protocol: 9 }))));
    const opened = await response();
    expect(opened.statusCode).toBe(0);
    const after = await fail(r, 'kill');
    await eventually(() => r.router.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed')), { what: 'the resume' });
    const { TSessionHandle, THandleIdentifier, TGetInfoReq } = T;
    // GetInfo answers any handle (Livy answers a dummy one without a session): the point is the path.
    const handle = new TSessionHandle({ sessionId: new THandleIdentifier({ guid: Buffer.alloc(16, 1), secret: Buffer.alloc(16, 2) }) });
    socket.write(chunked(call('GetInfo', new TGetInfoReq({ sessionHandle: handle, infoType: 13 }))));
    const info = await response();
    expect(info.name).toBe('GetInfo');
    const piped = await eventually(() => r.router.lines.find((l) => l.msg === 'HTTP connection no longer resumable: it is piped unread from here'));
    expect(piped).toMatchObject({ why: 'a chunked request body' });
    expect(socket.destroyed).toBe(false);
    await after();
  } finally {
    socket.destroy();
  }
}, 20_000);
