import net from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SessionFilter, SessionOutputs } from '../../src/session/filter.js';
import { Session } from '../../src/session/session.js';
import { dial } from '../../src/upstream/dial.js';
import { SaslFramer } from '../../src/wire/framer.js';
import { readCall } from '../../src/wire/tcli-call.js';
import { MessageType, TType } from '../../src/wire/thrift-codec.js';
import { frame, Writer } from '../../src/wire/thrift-writer.js';
import { onStop } from '../helpers/registry.js';

const OLD = Buffer.alloc(16, 0xaa);
const NEW = Buffer.alloc(16, 0xbb);

/** A framed call whose field 1 is a session handle {1: {1: guid, 2: secret}}. */
function call(method: string, seqid: number, guid: Buffer): Buffer {
  const w = new Writer().messageHeader(MessageType.CALL, method, seqid).field(TType.STRUCT, 1);
  w.field(TType.STRUCT, 1).field(TType.STRUCT, 1).field(TType.STRING, 1).string(guid).field(TType.STRING, 2).string(Buffer.alloc(16, 1)).stop().stop();
  return frame(w.stop().stop().toBuffer());
}

/**
 * What a later stage (session resume) needs from the interface, shown with an `own` stage: it
 * holds each client message until it is whole, rewrites a handle in place, and answers one call
 * itself (a reply the node never sent), all through SessionOutputs.
 */
class RewritingStage implements SessionFilter {
  readonly mode = 'own';
  private readonly client = new SaslFramer((u) => {
    const view = readCall(u.payload!, 1 << 20);
    if (view.method === 'GetInfo') {
      this.out.toClient(frame(new Writer().messageHeader(MessageType.REPLY, 'GetInfo', view.seqid).field(TType.STRUCT, 0).stop().stop().toBuffer()));
      return;
    }
    if (view.session && u.raw.subarray(4 + view.session.at, 4 + view.session.at + 16).equals(OLD)) NEW.copy(u.raw, 4 + view.session.at);
    this.out.toNode(u.raw);
  });
  constructor(private readonly out: SessionOutputs) {}
  fromClient(bytes: Buffer): void {
    this.client.push(bytes);
  }
  fromNode(bytes: Buffer): void {
    this.out.toClient(Buffer.from(bytes));
  }
  end(): Record<string, unknown> {
    return {};
  }
  describe(): Record<string, unknown> {
    return {};
  }
}

async function listen(): Promise<{ port: number; next: Promise<net.Socket> }> {
  let resolve!: (s: net.Socket) => void;
  const next = new Promise<net.Socket>((r) => (resolve = r));
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    resolve(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onStop(() => new Promise<void>((r) => srv.close(() => r())));
  return { port: (srv.address() as net.AddressInfo).port, next };
}

describe('Session with an own stage: hold, rewrite and inject whole messages', () => {
  it('the node gets each message whole with the handle swapped; the stage answers GetInfo itself', async () => {
    const front = await listen();
    const back = await listen();
    const a = net.connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true });
    a.on('error', () => {});
    onStop(() => void a.destroy());
    const x = await front.next;
    const d = dial({ name: 'n', host: '127.0.0.1', port: back.port }, 1000);
    const y = await d.connected;
    const z = await back.next;
    onStop(() => void z.destroy());
    const session = new Session({
      ...{ id: 1, client: x, node: y, nodeReader: d.reader, nodeName: 'n', transport: 'sasl', clientAddress: 'a', user: undefined, heldMs: 0 },
      opts: { idleTimeoutMs: 0, keepAliveInitialDelayMs: 0, noDelay: true },
      log: pino({ level: 'silent' }),
      onDone: () => {},
      filter: (out) => new RewritingStage(out),
    });
    session.start(false);
    const atNode: Buffer[] = [];
    z.on('data', (c: Buffer) => atNode.push(c));
    const atClient: Buffer[] = [];
    a.on('data', (c: Buffer) => atClient.push(c));

    const exec = call('ExecuteStatement', 7, OLD);
    for (const b of exec) {
      a.write(Buffer.of(b));
      await new Promise((r) => setImmediate(r));
    }
    a.write(call('GetInfo', 8, OLD));
    await new Promise((r) => setTimeout(r, 100));
    z.write(Buffer.from('node says hi'));
    await new Promise((r) => setTimeout(r, 100));

    // One message, whole, handle swapped in place; the GetInfo never reached the node.
    expect(Buffer.concat(atNode).equals(call('ExecuteStatement', 7, NEW))).toBe(true);
    const toClient = Buffer.concat(atClient);
    expect(readCall(toClient.subarray(4, 4 + toClient.readUInt32BE(0)), 1 << 20)).toMatchObject({ type: MessageType.REPLY, method: 'GetInfo', seqid: 8 });
    expect(toClient.subarray(4 + toClient.readUInt32BE(0)).toString()).toBe('node says hi');
    const summary = session.done;
    session.destroy('test over');
    expect((await summary).bytesFromClient).toBe(exec.length);
  });
});
