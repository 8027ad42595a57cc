// The bench's Livy node, run as its own process: completes SASL PLAIN and OpenSession like a Livy
// Thrift server, then turns into a byte source, an echo or an idle peer (see NodeMode). Sends
// `{ port }` to its parent over IPC and exits when the parent disconnects.
import net from 'node:net';
import { readSaslFrame } from '../src/wire/sasl-frame.js';
import { NODE_ANSWER, parseModeUser, type NodeMode } from './wire.js';

const MAX_FRAME = 1 << 16;
/** One block written again and again: the source allocates nothing per write. */
const BLOCK = Buffer.alloc(1 << 20, 0x5a);

function serve(s: net.Socket): void {
  s.on('error', () => {});
  s.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  const onHandshake = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const start = readSaslFrame(buf, 0, MAX_FRAME);
    if (start.kind !== 'frame') return;
    const creds = readSaslFrame(buf, start.frame.end, MAX_FRAME);
    if (creds.kind !== 'frame') return;
    const callAt = creds.frame.end;
    if (buf.length < callAt + 4 || buf.length < callAt + 4 + buf.readUInt32BE(callAt)) return;
    const user = creds.frame.payload.toString('latin1').split('\0')[1] ?? '';
    s.off('data', onHandshake);
    s.write(NODE_ANSWER);
    run(s, parseModeUser(user));
  };
  s.on('data', onHandshake);
}

function run(s: net.Socket, mode: NodeMode): void {
  switch (mode.kind) {
    case 'echo':
      s.on('data', (chunk: Buffer) => {
        if (!s.write(chunk)) s.pause();
      });
      s.on('drain', () => s.resume());
      return;
    case 'idle':
      s.resume();
      return;
    case 'bulk': {
      s.resume();
      let left = mode.bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, BLOCK.length);
          left -= n;
          if (!s.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
      return;
    }
  }
}

const sockets = new Set<net.Socket>();
const server = net.createServer((s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  serve(s);
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.send?.({ port: (server.address() as net.AddressInfo).port });
});
process.on('disconnect', () => {
  for (const s of sockets) s.destroy();
  server.close();
});
