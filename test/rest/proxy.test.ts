// The REST listener in process, against real sockets: what it forwards and drops, the 307 it
// follows and the ones it passes on, its limits, /status and /metrics, TLS on both sides.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { onStop } from '../helpers/registry.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimNode } from '../helpers/sim.js';
import { TLS_FIXTURE_DIR, tlsFixture } from '../helpers/tls.js';
import type { Service } from '../../src/service.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(port: number, opts: http.RequestOptions & { body?: string | Buffer } = {}, secure = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { body, ...rest } = opts;
    const req = (secure ? https : http).request({ host: '127.0.0.1', port, agent: false, ...(secure ? { ca: tlsFixture().cert } : {}), ...rest }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A node's REST port that answers every request with what it received (and hop-by-hop headers of its own). */
async function echoNode(secure = false): Promise<{ port: number; seen: Array<{ method: string; raw: string[]; body: string }>; connections(): number }> {
  const seen: Array<{ method: string; raw: string[]; body: string }> = [];
  let connections = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', raw: req.rawHeaders, body });
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'x-node-hop',
        'x-node-hop': 'secret',
        'keep-alive': 'timeout=99',
        'x-node': 'kept',
      });
      res.end(JSON.stringify({ ok: true }));
    });
  };
  const server = secure ? https.createServer({ ...tlsFixture() }, handler) : http.createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  onStop(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { port: (server.address() as net.AddressInfo).port, seen, connections: () => connections };
}

function restPort(service: Service): number {
  return service.rest!.address.port;
}

const headerMap = (raw: string[]): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  for (let i = 0; i < raw.length; i += 2) m.set(raw[i]!.toLowerCase(), [...(m.get(raw[i]!.toLowerCase()) ?? []), raw[i + 1]!]);
  return m;
};

describe('REST listener', () => {
  it('passes requests unchanged, Authorization included, drops hop-by-hop headers both ways, adds X-Forwarded-*', async () => {
    const node = await echoNode();
    const { service } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], { rest: { host: '127.0.0.1', port: 0 } });
    const port = restPort(service);
    const r = await call(port, {
      method: 'POST',
      path: '/sessions?from=0',
      headers: {
        authorization: 'Basic YWxpY2U6c2VjcmV0',
        'content-type': 'application/json',
        'x-forwarded-for': '10.0.0.9',
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'drop me',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic cHJveHk6cHc=',
        te: 'trailers',
        'x-requested-by': 'sparkmagic',
      },
      body: '{"kind":"spark"}',
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-node']).toBe('kept');
    expect(r.headers['x-node-hop']).toBeUndefined();
    expect(r.headers['keep-alive']).not.toBe('timeout=99');
    const got = headerMap(node.seen[0]!.raw);
    expect(node.seen[0]!.body).toBe('{"kind":"spark"}');
    expect(got.get('authorization')).toEqual(['Basic YWxpY2U6c2VjcmV0']);
    expect(got.get('x-requested-by')).toEqual(['sparkmagic']);
    expect(got.get('host')).toEqual([`127.0.0.1:${port}`]);
    expect(got.get('x-forwarded-for')).toEqual(['10.0.0.9, 127.0.0.1']);
    expect(got.get('x-forwarded-proto')).toEqual(['http']);
    expect(got.get('x-forwarded-host')).toEqual([`127.0.0.1:${port}`]);
    for (const hop of ['x-client-hop', 'keep-alive', 'proxy-authorization', 'te']) expect(got.has(hop), hop).toBe(false);
  });

  it("without role-aware checks, follows a passive's 307 to the configured active with the body it holds", async () => {
    const active = await startSimNode({ name: 'a' }, { role: 'leader' });
    const passive = await startSimNode({ name: 'p' }, { role: 'follower', leaderRestUrl: active.restUrl });
    const nodes = [
      { name: 'p', port: passive.thriftPort, restPort: passive.restPort },
      { name: 'a', port: active.thriftPort, restPort: active.restPort },
    ];
    const { service, lines } = await startTestRouter(nodes, { rest: { host: '127.0.0.1', port: 0 } });
    const r = await call(restPort(service), { method: 'POST', path: '/sessions', headers: { 'content-type': 'application/json' }, body: '{"kind":"pyspark"}' });
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body)).toMatchObject({ id: 0, kind: 'pyspark', state: 'starting' });
    // Logged on the response's 'close', which can come just after the client has the body.
    expect(await eventually(() => lines.find((l) => l.msg === 'request done'))).toMatchObject({ status: 201, node: 'a', attempts: 2 });
    const metrics = await service.metrics.text();
    expect(metrics).toContain('livy_router_rest_resent_total{reason="redirect"} 1');
    expect(metrics).toContain('livy_router_rest_requests_total{method="POST",status_class="2xx"} 1');
  });

  it('without role-aware checks, a node that refuses the connection is skipped for the next one', async () => {
    const active = await startSimNode({ name: 'a' }, { role: 'leader' });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const nodes = [
      { name: 'dead', port: 1, restPort: deadPort },
      { name: 'a', port: active.thriftPort, restPort: active.restPort },
    ];
    const { service, lines } = await startTestRouter(nodes, { rest: { host: '127.0.0.1', port: 0 } });
    const r = await call(restPort(service), { path: '/batches' });
    expect(r.status).toBe(200);
    // Logged on the response's 'close', which can come just after the client has the body.
    expect(await eventually(() => lines.find((l) => l.msg === 'request done'))).toMatchObject({ status: 200, node: 'a', attempts: 2 });
  });

  it('passes the 307 on when its Location is not a configured node, or the body is no longer held', async () => {
    const active = await startSimNode({ name: 'a' }, { role: 'leader' });
    const stranger = await startSimNode({ name: 's' }, { role: 'follower', leaderRestUrl: 'http://127.0.0.1:9' });
    const passive = await startSimNode({ name: 'p' }, { role: 'follower', leaderRestUrl: active.restUrl });
    const s = await startTestRouter([{ name: 's', port: stranger.thriftPort, restPort: stranger.restPort }], { rest: { host: '127.0.0.1', port: 0 } });
    const r1 = await call(restPort(s.service), { path: '/sessions' });
    expect(r1.status).toBe(307);
    expect(r1.headers.location).toBe('http://127.0.0.1:9/sessions');

    const nodes = [
      { name: 'p', port: passive.thriftPort, restPort: passive.restPort },
      { name: 'a', port: active.thriftPort, restPort: active.restPort },
    ];
    const p = await startTestRouter(nodes, { rest: { host: '127.0.0.1', port: 0, maxReplayBodyBytes: 8 } });
    const big = await call(restPort(p.service), { method: 'POST', path: '/sessions', body: '{"kind":"spark","name":"more than eight bytes"}' });
    expect(big.status).toBe(307);
    expect(big.headers.location).toBe(`${active.restUrl}/sessions`);
    // A body-less GET is still followed.
    expect((await call(restPort(p.service), { path: '/batches' })).status).toBe(200);
  });

  it('limits: 413 over maxBodyBytes (declared or streamed), 431 over maxHeaderBytes, 408 for a head too slow, per-source connections', async () => {
    const node = await echoNode();
    const rest = { host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxHeaderBytes: 2048, headersTimeoutMs: 300 };
    const { service, lines } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], { rest, maxClientConnectionsPerSource: 2 });
    const port = restPort(service);
    const declared = await call(port, { method: 'POST', path: '/x', body: 'x'.repeat(1001) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: 'body_too_large' });
    const streamed = await call(port, { method: 'POST', path: '/x', headers: { 'transfer-encoding': 'chunked' }, body: 'y'.repeat(5000) });
    expect(streamed.status).toBe(413);
    expect((await call(port, { path: '/x', headers: { 'x-big': 'z'.repeat(3000) } })).status).toBe(431);
    expect(node.seen).toHaveLength(0);

    const slow = net.connect(port, '127.0.0.1');
    slow.on('error', () => {});
    slow.write('GET /sessions HTTP/1.1\r\nHost: x\r\n');
    const startedAt = Date.now();
    const answer = await new Promise<string>((r) => {
      let text = '';
      slow.on('data', (d: Buffer) => (text += d.toString()));
      slow.on('close', () => r(text));
    });
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(Date.now() - startedAt).toBeLessThan(2500);

    const held = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
    for (const s of held) s.on('error', () => {});
    onStop(() => held.forEach((s) => s.destroy()));
    await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const refused = await call(port, { path: '/x' });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'over_limit', msg: 'too many connections from 127.0.0.1: maxClientConnectionsPerSource is 2' });
    expect(await eventually(() => lines.find((l) => /refused 1 client\(s\): too many connections from 127.0.0.1/.test(l.msg)))).toBeDefined();
    expect(await service.metrics.text()).toContain('livy_router_connections_refused_total 1');
  });

  it('a client trickling a small body holds no node connection; the node gets the body whole once it is in', async () => {
    const node = await echoNode();
    const { service } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], { rest: { host: '127.0.0.1', port: 0 } });
    const slow = net.connect(restPort(service), '127.0.0.1');
    slow.on('error', () => {});
    onStop(() => slow.destroy());
    const body = '{"kind":"spark","name":"trickled"}';
    slow.write(`POST /sessions HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 400));
    expect(node.connections()).toBe(0);
    const answer = new Promise<string>((r) => {
      let text = '';
      slow.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('"ok":true')) r(text);
      });
    });
    slow.write(body.slice(5));
    expect(await answer).toMatch(/^HTTP\/1.1 200/);
    expect(node.seen).toEqual([expect.objectContaining({ method: 'POST', body })]);
    expect(node.connections()).toBe(1);
  });

  it('keeps one node connection alive across requests; a silent node gets 504, a client not reading is cut and frees the node', async () => {
    const node = await echoNode();
    const { service } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], { rest: { host: '127.0.0.1', port: 0 } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onStop(() => agent.destroy());
    for (let i = 0; i < 5; i++) expect((await call(restPort(service), { path: `/sessions/${i}`, agent })).status).toBe(200);
    expect(node.connections()).toBe(1);

    // A node that accepts and never answers; one that streams an answer nobody reads.
    let streamClosed = false;
    const slowNode = http.createServer((req, res) => {
      if (req.url === '/silent') return;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.once('close', () => (streamClosed = true));
    });
    await new Promise<void>((r) => slowNode.listen(0, '127.0.0.1', () => r()));
    onStop(() => new Promise<void>((r) => (slowNode.closeAllConnections(), slowNode.close(() => r()))));
    const slowPort = (slowNode.address() as net.AddressInfo).port;
    const s = await startTestRouter([{ name: 's', port: 1, restPort: slowPort }], { rest: { host: '127.0.0.1', port: 0, idleTimeoutMs: 300 } });
    const silent = await call(restPort(s.service), { path: '/silent' });
    expect(silent.status).toBe(504);
    expect(JSON.parse(silent.body)).toMatchObject({ error: 'node_timeout' });

    const reader = net.connect(restPort(s.service), '127.0.0.1');
    reader.on('error', () => {});
    onStop(() => reader.destroy());
    reader.write('GET /stream HTTP/1.1\r\nHost: r\r\n\r\n');
    reader.pause();
    // Without the idle timeout the node would wait on a full socket for ever.
    expect(await eventually(() => streamClosed, { timeoutMs: 3000, what: "the node's answer to be ended" })).toBe(true);
  });

  it('an answer being streamed is cut when the checks take the active role from its node (kept with onActiveLost=keep)', async () => {
    const stalling = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('first bytes, then nothing');
    });
    await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', () => r()));
    onStop(() => new Promise<void>((r) => (stalling.closeAllConnections(), stalling.close(() => r()))));
    const port = (stalling.address() as net.AddressInfo).port;
    for (const onActiveLost of ['close', 'keep'] as const) {
      const { service } = await startTestRouter([{ name: 'n', port: 1, restPort: port }], { rest: { host: '127.0.0.1', port: 0 }, onActiveLost });
      service.cluster.report('n', 'active', 'test: the checks say so', 'check');
      const client = net.connect(restPort(service), '127.0.0.1');
      client.on('error', () => {});
      onStop(() => client.destroy());
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString()));
      const closed = new Promise<boolean>((r) => client.once('close', () => r(true)));
      client.write('GET /stream HTTP/1.1\r\nHost: r\r\n\r\n');
      await eventually(() => text.includes('first bytes'), { what: 'the first bytes' });
      service.cluster.report('n', 'passive', 'test: demoted', 'check');
      let timer: NodeJS.Timeout | undefined;
      const cut = await Promise.race([closed, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 500)))]);
      clearTimeout(timer);
      expect(cut, onActiveLost).toBe(onActiveLost === 'close');
    }
  });

  it('stop(graceMs) lets a request in flight finish, refuses new ones, and closes everything', async () => {
    const active = await startSimNode({ name: 'a' }, { role: 'leader' });
    const { service } = await startTestRouter([{ name: 'a', port: active.thriftPort, restPort: active.restPort }], { rest: { host: '127.0.0.1', port: 0 } });
    const port = restPort(service);
    const slow = call(port, { path: '/sessions', headers: { 'x-sim-delay-ms': '300' } });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = service.stop(5000);
    expect((await slow).status).toBe(200);
    await stopped;
    expect(service.rest!.inFlight).toBe(0);
    await expect(call(port, { path: '/sessions' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('/status lists the REST listener; HTTPS with rest.tls; HTTPS to the nodes with rest.caFile', async () => {
    const node = await echoNode(true);
    const rest = {
      host: '127.0.0.1',
      port: 0,
      tls: { cert: `${TLS_FIXTURE_DIR}cert.pem`, key: `${TLS_FIXTURE_DIR}key.pem` },
      nodeTls: true,
      caFile: `${TLS_FIXTURE_DIR}cert.pem`,
    };
    const { service } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], { rest, admin: { host: '127.0.0.1', port: 0 } });
    const r = await call(restPort(service), { path: '/sessions', headers: { host: 'localhost' } }, true);
    expect(r.status).toBe(200);
    expect(headerMap(node.seen[0]!.raw).get('x-forwarded-proto')).toEqual(['https']);
    const status = JSON.parse((await call(service.adminAddress!.port, { path: '/status' })).body) as {
      listeners: Array<{ address: string; transport: string }>;
    };
    expect(status.listeners).toContainEqual({ address: `127.0.0.1:${restPort(service)}`, transport: 'rest/https' });
  });

  it('warns when it listens in clear text while the nodes speak HTTPS; without the CA a node is unreachable (503 naming why)', async () => {
    const node = await echoNode(true);
    const { service, lines } = await startTestRouter([{ name: 'n', port: 1, restPort: node.port }], {
      rest: { host: '127.0.0.1', port: 0, nodeTls: true },
      holdMs: 300,
    });
    expect(lines.find((l) => l.level === 40 && /serves clear HTTP while the Livy nodes' REST ports speak HTTPS/.test(l.msg))).toBeDefined();
    const r = await call(restPort(service), { path: '/sessions' });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).msg).toMatch(/SELF_SIGNED|self.signed|UNABLE_TO_VERIFY/i);
    expect(node.seen).toHaveLength(0);
  });
});
