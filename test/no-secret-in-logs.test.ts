import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { startSimCluster, type SimCluster } from '../sim/cluster.js';
import { plainClientHello } from '../sim/wire.js';
import { startRouterProcess, type RouterProcess } from './helpers/router-process.js';
import { eventually } from './helpers/eventually.js';

const PASSWORD = 'S3cretPw!x';
const COOKIE = 'Ck7quietCookie';
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64');

/** Every form a secret could take in a log line: as text, as hex (spaced or not), in Basic. */
const FORMS = [PASSWORD, COOKIE, BASIC].flatMap((s) => {
  const hex = Buffer.from(s).toString('hex');
  return [s, s.slice(0, 6), hex.slice(0, 12), hex.slice(0, 12).replace(/(..)(?!$)/g, '$1 ')];
});

/** Sends the bytes, half-closes, and waits (bounded) for the router to close. */
function sendAndWait(port: number, bytes: Buffer, halfClose = true): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.resume();
    s.write(bytes);
    if (halfClose) s.end();
  });
}

const http = (text: string) => Buffer.from(text, 'latin1');
const HTTP_INPUTS = [
  `POST /cliservice?password=${PASSWORD} HTTP/1.1\r\nHost: r\r\nAuthorization: Basic ${BASIC}\r\nCookie: hive.server2.auth=${COOKIE}\r\nContent-Length: 5, 5\r\n\r\nhello`,
  `POST /cliservice HTTP/1.1\r\nAuthorization : Basic ${BASIC}\r\n\r\n`,
  `POST /cliservice HTTP/1.1\r\nCookie: hive.server2.auth=${COOKIE}\x01\r\n\r\n`,
  `POST /cliservice?user=alice&password=${PASSWORD}\x00 HTTP/1.1\r\n\r\n`,
  `GET /?password=${PASSWORD} HTTP/9.9\r\n\r\n`,
  `POST /cliservice HTTP/1.1\r\nProxy-Authorization: Basic ${BASIC}\nX: y\r\n\r\n`,
  `POST /cliservice HTTP/1.1\r\nHost: r\r\nAuthorization: Basic ${BASIC}\r\nCookie: hive.server2.auth=${COOKIE}\r\nContent-Length: 0\r\n\r\n`,
].map(http);

const BINARY_INPUTS = [
  encodeSaslFrame(SaslStatus.START, `PLAIN\0alice\0${PASSWORD}`),
  Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), Buffer.from([0x07, 0, 0, 0, 20]), Buffer.from(`alice\0alice\0${PASSWORD}`)]),
  Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), encodeSaslFrame(SaslStatus.OK, `alice\0alice\0${PASSWORD}`).subarray(0, 12)]),
  plainClientHello('alice', PASSWORD),
  plainClientHello('alice', `${PASSWORD}-wrong`),
  Buffer.from(`${PASSWORD}\r\n`),
  Buffer.concat([Buffer.from([0x80, 0x01, 0x00, 0x01, 0, 0, 0, 4]), Buffer.from(`Open${PASSWORD}`)]),
];

describe('no credential in any log line, at level trace', () => {
  let dir: string;
  let cluster: SimCluster;
  const routers: RouterProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lr-secrets-'));
    cluster = await startSimCluster({
      nodes: [
        { name: 'bin', users: { alice: PASSWORD } },
        { name: 'web', transport: 'http', users: { alice: PASSWORD } },
      ],
      active: null,
    });
    cluster.node('bin').setRole('leader');
    cluster.node('web').setRole('leader');
    await cluster.settled();
    for (const [name, transport] of [
      ['bin', 'binary'],
      ['web', 'http'],
    ] as const) {
      const file = join(dir, `${name}.yaml`);
      const node = cluster.node(name);
      writeFileSync(
        file,
        [
          `nodes: [{ name: ${name}, host: 127.0.0.1, port: ${node.thriftPort} }]`,
          `nodeTransport: ${transport}`,
          'health: { kind: none }',
          'admin: { enabled: false }',
          'handshake: { clientFirstBytesTimeoutMs: 500, timeoutMs: 1000 }',
          'log: { level: trace }',
        ].join('\n'),
      );
      routers.push(await startRouterProcess(['--config', file]));
    }
  });

  afterAll(async () => {
    await Promise.all(routers.map((r) => r.stop()));
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after malformed and valid inputs carrying a password, a Basic credential and an auth cookie', async () => {
    const [bin, web] = routers as [RouterProcess, RouterProcess];
    for (const input of BINARY_INPUTS) await sendAndWait(bin.port, input);
    await sendAndWait(bin.port, Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), Buffer.from(`\x02\0\0\0\x20alice\0alice\0${PASSWORD}`)]), false);
    for (const input of HTTP_INPUTS) await sendAndWait(web.port, input);
    // Lines reach stdout in batches (log.flushMs, 100 ms by default): wait for them.
    const refusals = (r: RouterProcess) => r.lines.filter((l) => String(l.msg).startsWith('client refused')).length;
    for (const r of routers) await eventually(() => refusals(r) > 2, { what: 'three refusal lines' });
    const text = JSON.stringify([...bin.lines, ...web.lines]);
    expect(text).toContain('"level":20'); // the per-connection debug lines are there too
    for (const form of FORMS) expect(text, form).not.toContain(form);
  }, 30_000);
});
