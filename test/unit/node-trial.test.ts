import net from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { plainClientHello, NODE_HELLO_ANSWER } from '../../sim/wire.js';
import { BinaryHandshake } from '../../src/handshake/binary.js';
import { encodeSaslFrame, SaslStatus } from '../../src/wire/sasl-frame.js';
import { noopObserver } from '../../src/observe.js';
import type { NodeStatus } from '../../src/cluster/cluster-state.js';
import { NodeTrial } from '../../src/upstream/node-trial.js';
import { startBulkNode } from '../helpers/bulk-node.js';
import { freePort } from '../helpers/net.js';
import { onStop } from '../helpers/registry.js';
import { testConfig } from '../helpers/router.js';

const log = pino({ level: 'silent' });

/** A node that answers the first bytes it gets with `answer` and closes. */
async function answeringNode(answer: Buffer): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onStop(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

function statuses(nodes: Array<{ name: string; port: number }>): NodeStatus[] {
  return testConfig(nodes).nodes.map((config) => ({ config, state: 'unknown', reason: '', since: 0, source: 'config' }));
}

function hello(): BinaryHandshake {
  const hs = new BinaryHandshake(0x01, 65536);
  hs.onClientData(plainClientHello());
  return hs;
}

describe('NodeTrial: find me a node (real sockets, no client socket at all)', () => {
  it('skips a refusing and a rejecting node, commits the healthy one, and hands its socket on without its listeners', async () => {
    const healthy = await startBulkNode();
    const bad = await answeringNode(encodeSaslFrame(SaslStatus.BAD, 'not active'));
    const interim: Buffer[] = [];
    const trial = new NodeTrial({
      handshake: hello(),
      order: statuses([
        { name: 'gone', port: await freePort() },
        { name: 'passive', port: bad },
        { name: 'healthy', port: healthy.port },
      ]),
      connectTimeoutMs: 1000,
      handshakeTimeoutMs: 2000,
      log,
      observer: noopObserver,
      onInterimAnswer: (b) => interim.push(...b),
    });
    trial.start();
    const result = await trial.result;
    expect(result.kind).toBe('committed');
    if (result.kind !== 'committed') return;
    expect(result.node.config.name).toBe('healthy');
    expect(result.proof).toBe('parsed');
    expect(Buffer.concat([...interim, ...result.toClient])).toEqual(NODE_HELLO_ANSWER);
    expect(result.records.map((r) => [r.node, r.outcome])).toEqual([
      ['gone', 'connect-refused'],
      ['passive', 'handshake-rejected'],
    ]);
    // Only net.Socket's own 'end' handler is left: none of the trial's.
    expect(['data', 'end', 'close', 'error'].map((e) => result.socket.listenerCount(e))).toEqual([0, 1, 0, 0]);
    // Handed on still reading, its reader's sink a no-op: the owner takes it in the result's microtask (no pause/resume syscalls).
    expect(result.socket.isPaused()).toBe(false);
    result.socket.destroy();
  });

  it('every node refuses: what each said, in order, and nothing is left open', async () => {
    const [a, b] = [await answeringNode(encodeSaslFrame(SaslStatus.BAD, 'not active')), await answeringNode(encodeSaslFrame(SaslStatus.BAD, 'not active'))];
    const trial = new NodeTrial({
      handshake: hello(),
      order: statuses([
        { name: 'a', port: a },
        { name: 'b', port: b },
      ]),
      connectTimeoutMs: 1000,
      handshakeTimeoutMs: 2000,
      log,
      observer: noopObserver,
      onInterimAnswer: () => {},
    });
    trial.start();
    const result = await trial.result;
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    // No node was active in the model: which refusal the client gets is the ledger's call (cluster/).
    expect(result.believedActive).toBeUndefined();
    expect(result.records.map((r) => [r.node, r.outcome, r.rejection?.bytes])).toEqual([
      ['a', 'handshake-rejected', encodeSaslFrame(SaslStatus.BAD, 'not active')],
      ['b', 'handshake-rejected', encodeSaslFrame(SaslStatus.BAD, 'not active')],
    ]);
  });

  it('abort while a node is silent ends the trial at once', async () => {
    const silent = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    onStop(() => {
      silent.close();
    });
    const trial = new NodeTrial({
      handshake: hello(),
      order: statuses([{ name: 'silent', port: (silent.address() as net.AddressInfo).port }]),
      connectTimeoutMs: 1000,
      handshakeTimeoutMs: 10_000,
      log,
      observer: noopObserver,
      onInterimAnswer: () => {},
    });
    trial.start();
    setTimeout(() => trial.abort('client left'), 100);
    expect(await trial.result).toMatchObject({ kind: 'aborted', reason: 'client left' });
    await new Promise<void>((r) => silent.getConnections((_e, n) => (n === 0 ? r() : setTimeout(r, 100))));
  });
});
