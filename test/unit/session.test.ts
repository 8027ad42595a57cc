import net from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../src/observe.js';
import { Session } from '../../src/session/session.js';
import { dial } from '../../src/upstream/dial.js';
import { onStop } from '../helpers/registry.js';

const log = pino({ level: 'silent' });

/** A listening server whose accepted sockets are handed out in order. */
async function server(): Promise<{ port: number; next(): Promise<net.Socket> }> {
  const waiting: Array<(s: net.Socket) => void> = [];
  const ready: net.Socket[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    const w = waiting.shift();
    if (w) w(s);
    else ready.push(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onStop(() => new Promise<void>((r) => srv.close(() => r())));
  return { port: (srv.address() as net.AddressInfo).port, next: () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise((r) => waiting.push(r))) };
}

/** remote client A <-> [router client socket | Session | router node socket] <-> node end Z */
async function rig(): Promise<{ a: net.Socket; z: net.Socket; session: Session; done: Promise<SessionSummary> }> {
  const front = await server();
  const back = await server();
  const a = net.connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true });
  a.on('error', () => {});
  onStop(() => void a.destroy());
  const x = await front.next();
  const d = dial({ name: 'n', host: '127.0.0.1', port: back.port }, 1000);
  const y = await d.connected;
  const z = await back.next();
  onStop(() => void z.destroy());
  let resolveDone!: (s: SessionSummary) => void;
  const done = new Promise<SessionSummary>((r) => (resolveDone = r));
  let calls = 0;
  const session = new Session({
    id: 1,
    client: x,
    node: y,
    nodeReader: d.reader,
    nodeName: 'n',
    transport: 'sasl',
    clientAddress: 'a',
    user: 'analyst',
    heldMs: 0,
    opts: { idleTimeoutMs: 0, keepAliveInitialDelayMs: 0, noDelay: true },
    log,
    onDone: (_s, summary) => {
      calls++;
      expect(calls).toBe(1);
      resolveDone(summary);
    },
  });
  session.start(false);
  return { a, z, session, done };
}

const collect = (s: net.Socket) => {
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  return () => Buffer.concat(parts);
};

describe("Session: the committed state's two pipes (real sockets)", () => {
  it('carries bytes both ways, proxies half-close, and reports its end once', async () => {
    const { a, z, done } = await rig();
    const atZ = collect(z);
    const atA = collect(a);
    a.end(Buffer.from('from the client'));
    await new Promise((r) => z.once('end', r));
    expect(atZ().toString()).toBe('from the client');
    z.end(Buffer.from('from the node'));
    await new Promise((r) => a.once('end', r));
    expect(atA().toString()).toBe('from the node');
    const summary = await done;
    expect(summary).toMatchObject({ bytesFromClient: 15, bytesToClient: 13, reason: 'client closed' });
  });

  it('close(reason): the client gets what was queued and a FIN, not a reset', async () => {
    const { a, z, session, done } = await rig();
    const atA = collect(a);
    z.write(Buffer.alloc(1000, 3));
    await new Promise((r) => setTimeout(r, 50));
    session.close('router shutting down');
    const how = await new Promise<string>((r) => {
      a.once('end', () => r('fin'));
      a.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
    expect(how).toBe('fin');
    expect(atA()).toEqual(Buffer.alloc(1000, 3));
    a.end();
    expect((await done).reason).toBe('router shutting down');
  });
});
