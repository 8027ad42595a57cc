// A Livy node for the soak, one OS process each (kill -9 and SIGSTOP are real). Thrift port: as
// leader, SASL PLAIN + OpenSession like a Livy Thrift server, then keyed streams on request
// (soak-stream.ts); as follower, a SASL BAD frame, as Livy's passive answers. REST port: /ha-status
// (200 leader, 503 follower). Its parent sets the role over IPC; a demoted node keeps its
// connections open, so the router must cut them itself. Sends `{ ready: true }` when listening.
// Usage: node soak-node.js --thrift-port P --rest-port P --role leader|follower
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { encodeSaslFrame, readSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { NODE_HELLO_ANSWER } from '../sim/wire.js';
import { decodeRequest, keyedBlock, REQUEST_BYTES } from './soak-stream.js';

const { values } = parseArgs({ options: { 'thrift-port': { type: 'string' }, 'rest-port': { type: 'string' }, role: { type: 'string' } } });
let role = values.role === 'leader' ? 'leader' : 'follower';
const MAX_FRAME = 1 << 16;
const PASSIVE = encodeSaslFrame(SaslStatus.BAD, 'Livy server is not active (follower)');

/** Answers requests in order; backpressure pauses reading while an answer is being written. */
function stream(s: net.Socket, first: Buffer): void {
  let pending = first;
  let busy = false;
  const serveNext = () => {
    if (busy || pending.length < REQUEST_BYTES) return;
    const { seed, length } = decodeRequest(pending, 0);
    pending = pending.subarray(REQUEST_BYTES);
    busy = true;
    const block = keyedBlock(seed);
    let sent = 0;
    const pump = () => {
      while (sent < length) {
        const at = sent % block.length;
        const n = Math.min(block.length - at, length - sent);
        sent += n;
        if (!s.write(block.subarray(at, at + n))) return void s.once('drain', pump);
      }
      busy = false;
      serveNext();
    };
    pump();
  };
  s.on('data', (c: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, c]) : c;
    serveNext();
  });
  serveNext();
}

function serve(s: net.Socket): void {
  s.on('error', () => {});
  let buf: Buffer = Buffer.alloc(0);
  const onHandshake = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const start = readSaslFrame(buf, 0, MAX_FRAME);
    if (start.kind !== 'frame') return;
    if (role !== 'leader') return void s.end(PASSIVE);
    const creds = readSaslFrame(buf, start.frame.end, MAX_FRAME);
    if (creds.kind !== 'frame') return;
    const callAt = creds.frame.end;
    if (buf.length < callAt + 4 || buf.length < callAt + 4 + buf.readUInt32BE(callAt)) return;
    s.off('data', onHandshake);
    s.write(NODE_HELLO_ANSWER);
    stream(s, buf.subarray(callAt + 4 + buf.readUInt32BE(callAt)));
  };
  s.on('data', onHandshake);
}

const sockets = new Set<net.Socket>();
const thrift = net.createServer((s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  serve(s);
});
const rest = http.createServer((req, res) => {
  const leader = role === 'leader';
  res.writeHead(req.url === '/ha-status' ? (leader ? 200 : 503) : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: leader ? 'leader' : 'follower' }));
});
process.on('message', (m: { role?: string }) => {
  if (m.role === 'leader' || m.role === 'follower') role = m.role;
});
process.on('disconnect', () => {
  for (const s of sockets) s.destroy();
  thrift.close();
  rest.close();
  rest.closeAllConnections();
});
const listen = (server: net.Server | http.Server, port: string | undefined) =>
  new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: Number(port), backlog: 1024 }, resolve));
await Promise.all([listen(thrift, values['thrift-port']), listen(rest, values['rest-port'])]);
process.send?.({ ready: true });
