import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { queryNode, type HiveTarget } from '../sim/hive-client.js';
import { tlsFixture } from './helpers/tls.js';
import { readReply, Reader, StatusCode } from '../src/wire/thrift-codec.js';
import { openSessionCall, plainClientHello } from './helpers/bulk-node.js';
import { startSimCluster } from './helpers/sim.js';
import { startTestRouter } from './helpers/router.js';

const fixture = tlsFixture();

/** Writes `bytes`, returns everything the router sends until it closes. */
function raw(port: number, bytes: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', reject);
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('router did not close the connection within 3 s'));
    }, 3000);
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    s.write(bytes);
  });
}

async function setup(transport: 'binary' | 'http') {
  // The simulated nodes accept SASL and NOSASL, with or without TLS, on one port (auth 'any',
  // optional TLS), so one router port can be shown serving all of them at the same time.
  const cluster = await startSimCluster({
    nodes: ['livy-1', 'livy-2'].map((name) => ({
      name,
      transport,
      ...(transport === 'binary' ? { auth: 'any' as const } : {}),
      passiveStyle: 'reset' as const,
      tls: { key: fixture.key, cert: fixture.cert, optional: true },
    })),
    active: 'livy-2',
  });
  const r = await startTestRouter(
    cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort })),
    { nodeTransport: transport },
  );
  return r.port;
}

describe("one 'auto' port", () => {
  it('serves SASL, NOSASL and TLS clients of a binary cluster at the same time; an HTTP client gets a clear 400', async () => {
    const port = await setup('binary');
    const base: HiveTarget = { host: '127.0.0.1', port, timeoutMs: 10_000 };
    const results = await Promise.all([
      queryNode({ ...base, auth: 'plain' }),
      queryNode({ ...base, auth: 'nosasl' }),
      queryNode({ ...base, auth: 'plain', tls: { ca: fixture.ca, servername: 'localhost' } }),
      queryNode({ ...base, auth: 'plain' }),
      queryNode({ ...base, auth: 'nosasl' }),
    ]);
    expect(results).toEqual(['livy-2', 'livy-2', 'livy-2', 'livy-2', 'livy-2']);
    const answer = (await raw(port, 'POST /cliservice HTTP/1.1\r\nHost: r\r\nContent-Length: 0\r\n\r\n')).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('this Livy cluster speaks binary Thrift, not HTTP');
    expect(answer).toContain('jdbc:hive2://HOST:PORT/default');
    await expect(queryNode({ ...base, transport: 'http' })).rejects.toThrow(/400/);
  });

  it('serves HTTP and HTTPS clients of an HTTP cluster; SASL and NOSASL clients get a clear error in their protocol', async () => {
    const port = await setup('http');
    const base: HiveTarget = { host: '127.0.0.1', port, transport: 'http', timeoutMs: 10_000 };
    const results = await Promise.all([queryNode(base), queryNode({ ...base, tls: { ca: fixture.ca, servername: 'localhost' } }), queryNode(base)]);
    expect(results).toEqual(['livy-2', 'livy-2', 'livy-2']);
    const sasl = await raw(port, plainClientHello());
    expect(sasl[0]).toBe(0x04); // SASL ERROR
    expect(sasl.subarray(5).toString()).toContain(
      'this Livy cluster speaks Thrift over HTTP, not binary; use jdbc:hive2://HOST:PORT/default;transportMode=http;httpPath=cliservice',
    );
    const nosasl = await raw(port, openSessionCall(3));
    const reply = readReply(new Reader(nosasl, 0, 1 << 20));
    expect(reply).toMatchObject({ name: 'OpenSession', seqid: 3, statusCode: StatusCode.ERROR });
    expect(reply.errorMessage).toContain('speaks Thrift over HTTP');
    await expect(queryNode({ ...base, transport: 'binary', auth: 'plain' })).rejects.toThrow(/speaks Thrift over HTTP/);
  });

  it("a 'binary' listener refuses HTTP and an 'http' listener refuses binary, each in the client's protocol", async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }], active: 'livy-1' });
    const r = await startTestRouter([{ name: 'livy-1', port: cluster.nodes[0]!.thriftPort }], {
      listeners: [
        { host: '127.0.0.1', port: 0, transport: 'binary' },
        { host: '127.0.0.1', port: 0, transport: 'http' },
      ],
    });
    const [binaryPort, httpPort] = r.service.listenAddresses.map((a) => a.port);
    expect((await raw(binaryPort!, 'GET / HTTP/1.1\r\n\r\n')).toString()).toMatch(/^HTTP\/1\.1 400 .*accepts binary Thrift only/s);
    expect((await raw(httpPort!, plainClientHello())).subarray(5).toString()).toContain('accepts Thrift over HTTP only');
    expect(await queryNode({ host: '127.0.0.1', port: binaryPort!, timeoutMs: 5000 })).toBe('livy-1');
  });
});
