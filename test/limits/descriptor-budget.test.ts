import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PLAIN_HELLO_ANSWER_BYTES, plainClientHello, startBulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess } from '../helpers/router-process.js';
import { adminStatus, findLine, metric, metrics } from '../ops/helpers.js';

const EXTRA = 20;

/** A SASL PLAIN + OpenSession client: its socket once the answer is complete, or what it got before the router closed. */
function hello(port: number): Promise<{ socket: net.Socket; answer: Buffer; closed: boolean }> {
  // allowHalfOpen: a committed session's FIN goes through to the node, which records the bytes.
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    let answer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s (${answer.length} bytes)`));
    }, 5000);
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, answer, closed });
    };
    const onData = (c: Buffer) => {
      answer = Buffer.concat([answer, c]);
      if (answer[0] === 0x05 && answer.length >= PLAIN_HELLO_ANSWER_BYTES) done(false);
    };
    socket.on('data', onData);
    // The router's FIN: a refused client's answer is complete (allowHalfOpen keeps our side open).
    socket.once('end', () => {
      done(true);
      socket.destroy();
    });
    // A client past the gate is closed without a word: a FIN, or a reset when its hello was unread.
    socket.once('close', () => done(true));
    socket.write(plainClientHello());
  });
}

describe('the descriptor budget (ulimit -n 256)', () => {
  it('refuses past the budget in the client protocol, logs and counts it, keeps sessions, and serves again', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    const router = await startRouterProcess(['--node', `bulk=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0'], 10_000, 256);
    const sessions: net.Socket[] = [];
    try {
      const plan = findLine(router.lines, /^descriptor budget: /);
      expect(plan).toMatchObject({ descriptorLimit: 256 });
      const budget = plan!.clientBudget as number;
      expect(budget).toBeGreaterThan(50);
      expect(findLine(router.lines, /does not fit the open files limit 256/)?.level).toBe(40);
      const adminPort = Number(String(findLine(router.lines, 'admin listening')!.address).split(':').pop());

      const refusals: string[] = [];
      for (let i = 0; i < budget + EXTRA; i++) {
        const c = await hello(router.port).catch((err: Error) => Promise.reject(new Error(`client ${i}: ${err.message}`)));
        if (!c.closed) sessions.push(c.socket);
        else {
          expect(c.answer[0]).toBe(0x04); // SASL ERROR: the client's own protocol
          refusals.push(c.answer.subarray(5).toString());
        }
      }
      console.info(`${sessions.length} committed, ${refusals.length} refused under ulimit -n 256 (budget ${budget})`);
      expect(sessions.length).toBe(budget);
      expect(refusals).toHaveLength(EXTRA);
      expect(refusals[0]).toMatch(
        new RegExp(`^livy-router: too many connections for the router's file descriptors: its descriptor budget is ${budget} client`),
      );

      const logged = await eventually(() => findLine(router.lines, /^refused \d+ client\(s\): too many connections for the router's file descriptors/));
      expect(logged.level).toBe(50);
      const text = await metrics(adminPort);
      expect(metric(text, 'livy_router_limit_refusals_total', { limit: 'descriptors' })).toBe(EXTRA);
      expect(metric(text, 'livy_router_local_errors_total')).toBe(0); // the router refused them, not the kernel
      expect(router.lines.filter((l) => /EMFILE|-> down|-> passive/.test(String(l.msg)))).toEqual([]);
      const status = await adminStatus(adminPort);
      expect(status.descriptors).toMatchObject({ limit: 256, budget, clients: budget });
      const refusedLogged = () =>
        router.lines.filter((l) => l.limit === 'descriptors' && /^refused/.test(String(l.msg))).reduce((n, l) => n + Number(l.refused), 0);

      // Every committed session is still open and still carries bytes to its node.
      await Promise.all(
        sessions.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.once('close', () => resolve());
              s.end(Buffer.alloc(100, 1));
              s.resume();
            }),
        ),
      );
      await eventually(() => node.received.length === budget, { what: 'every session to end at the node' });
      expect(node.received.every((r) => r.bytes === 100)).toBe(true);
      sessions.length = 0;

      // With the others gone, new clients are served again.
      await eventually(async () => (await adminStatus(adminPort)).descriptors?.clients === 0, { what: 'the clients to be released' });
      for (let i = 0; i < 5; i++) {
        const again = await hello(router.port);
        expect(again.closed).toBe(false);
        again.socket.destroy();
      }
      // The first refusal was logged at once; the rest of its 10 s interval by the stop at the latest.
      expect(await router.stop()).toBe(0);
      expect(refusedLogged()).toBe(EXTRA);
    } finally {
      for (const s of sessions) s.destroy();
      expect(await router.stop()).toBe(0);
      await node.close();
    }
  }, 60_000);

  it('170 clients at once: the budget refuses the rest and counts every one, the kernel drops none', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    const router = await startRouterProcess(['--node', `bulk=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0'], 10_000, 256);
    const clients: Array<{ socket: net.Socket; closed: boolean }> = [];
    try {
      const budget = findLine(router.lines, /^descriptor budget: /)!.clientBudget as number;
      const adminPort = Number(String(findLine(router.lines, 'admin listening')!.address).split(':').pop());
      clients.push(...(await Promise.all(Array.from({ length: 170 }, () => hello(router.port)))));
      const committed = clients.filter((c) => !c.closed).length;
      console.info(`${committed} of 170 concurrent clients committed under ulimit -n 256 (budget ${budget})`);
      expect(committed).toBe(budget);
      const text = await metrics(adminPort);
      // Those past the per-source gate are closed without an answer, but counted all the same.
      expect(metric(text, 'livy_router_limit_refusals_total', { limit: 'descriptors' })).toBe(170 - budget);
      expect(metric(text, 'livy_router_local_errors_total')).toBe(0);
      expect(router.lines.filter((l) => /EMFILE/.test(String(l.msg)))).toEqual([]);
    } finally {
      for (const c of clients) c.socket.destroy();
      expect(await router.stop()).toBe(0);
      await node.close();
    }
  }, 60_000);
});
