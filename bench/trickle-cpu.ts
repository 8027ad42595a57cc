// Router CPU for one trickling client (issue 12): a chunked HTTP request of 1-byte chunks, one
// write per millisecond for --seconds, and a SASL PLAIN frame trickled a byte per millisecond.
// Reads the router process's CPU time from /proc before and after each trickle.
// Usage: node dist/bench/trickle-cpu.js [--seconds 9] [--router-cli OTHER/dist/src/cli/main.js]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { startSimCluster } from '../sim/cluster.js';
import { freePort, waitListening } from './procs.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '9' }, 'router-cli': { type: 'string' } } });
const SECONDS = Number(args.seconds);
const CLI = args['router-cli'] ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const cpuSecondsOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

/** Writes `head`, then `piece(i)` every millisecond for SECONDS; resolves when done (socket destroyed). */
async function trickle(port: number, head: Buffer, piece: (i: number) => Buffer): Promise<void> {
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  s.write(head);
  const until = Date.now() + SECONDS * 1000;
  for (let i = 0; Date.now() < until && !s.destroyed; i++) {
    s.write(piece(i));
    await new Promise((r) => setTimeout(r, 1));
  }
  s.destroy();
}

async function measure(transport: 'binary' | 'http', run: (port: number) => Promise<void>): Promise<number> {
  const cluster = await startSimCluster({ nodes: [{ name: 'n', transport }] });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      CLI,
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--node',
      `n=127.0.0.1:${cluster.node('n').thriftPort}`,
      '--check',
      'none',
      '--log-level',
      'warn',
      ...(transport === 'http' ? ['--node-transport', 'http'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitListening(port, child, 'router', () => stderr);
    const before = cpuSecondsOf(child.pid!);
    await run(port);
    return cpuSecondsOf(child.pid!) - before;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await cluster.close();
  }
}

const httpCpu = await measure('http', (port) =>
  trickle(port, Buffer.from('POST /cliservice HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n'), () => Buffer.from('1\r\nx\r\n')),
);
const payload = Buffer.alloc(SECONDS * 1000, 0x61);
const saslCpu = await measure('binary', (port) =>
  trickle(port, Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), encodeSaslFrame(SaslStatus.OK, payload).subarray(0, 5)]), (i) =>
    payload.subarray(i, i + 1),
  ),
);
console.log(`router CPU during a ${SECONDS} s trickle, one write per ms: HTTP 1-byte chunks ${httpCpu.toFixed(2)} s, SASL frame ${saslCpu.toFixed(2)} s`);
console.log(`RESULT ${JSON.stringify({ seconds: SECONDS, httpCpuS: httpCpu, saslCpuS: saslCpu })}`);
