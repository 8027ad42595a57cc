// The fuzz suite's clients: one case on its own connection (bounded by a deadline), and the
// healthy client that keeps doing real handshakes while the cases run.
import net from 'node:net';
import { openSessionCall, plainClientHello } from '../sim/wire.js';
import type { FuzzCase } from './fuzz-cases.js';

export interface CaseOutcome {
  /** The router closed the connection (FIN or reset) before the deadline. */
  closed: boolean;
  reset: boolean;
  bytesBack: number;
  ms: number;
}

export function runCase(port: number, c: FuzzCase, deadlineMs: number): Promise<CaseOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect({ port, host: '127.0.0.1' });
    let bytesBack = 0;
    let reset = false;
    let gap: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => finish(false), deadlineMs);
    function finish(closed: boolean): void {
      clearTimeout(deadline);
      clearTimeout(gap);
      s.destroy();
      resolve({ closed, reset, bytesBack, ms: Date.now() - started });
    }
    s.on('error', () => (reset = true));
    s.on('data', (d: Buffer) => (bytesBack += d.length));
    s.on('close', () => finish(true));
    const write = (i: number) => {
      if (s.destroyed) return;
      if (i === c.pieces.length) {
        if (c.halfClose) s.end();
        return;
      }
      s.write(c.pieces[i]!);
      if (c.gapMs) gap = setTimeout(() => write(i + 1), c.gapMs);
      else write(i + 1);
    };
    s.once('connect', () => write(0));
  });
}

export interface Probe {
  ok: number;
  failed: number;
  failures: string[];
  latenciesMs: number[];
}

/** One SASL PLAIN + OpenSession (binary) or one Thrift POST (HTTP) through the router, from 127.0.0.2. */
function probeOnce(port: number, http: boolean, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    let got = Buffer.alloc(0);
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      s.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    s.on('error', (err) => done(err.message));
    s.on('close', () => done(`closed after ${got.length} bytes`));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (http) {
        if (/^HTTP\/1\.1 200 /.test(got.toString('latin1'))) done(undefined);
        else if (got.length >= 12) done(`answered ${JSON.stringify(got.toString('latin1', 0, 12))}`);
      } else if (got[0] !== 0x05) {
        done(`answered 0x${got[0]!.toString(16)}`);
      } else if (got.length >= 9 && got.length >= 9 + got.readUInt32BE(5)) {
        // SASL COMPLETE, then the whole framed OpenSession reply.
        done(undefined);
      }
    });
    const body = openSessionCall(1);
    s.write(
      http
        ? Buffer.concat([
            Buffer.from(`POST /cliservice HTTP/1.1\r\nHost: router\r\nContent-Type: application/x-thrift\r\nContent-Length: ${body.length}\r\n\r\n`),
            body,
          ])
        : plainClientHello(),
    );
  });
}

/** Probes every `intervalMs`, alternating binary and HTTP, until stop() is called. */
export function startProber(binaryPort: number, httpPort: number, intervalMs: number): { probe: Probe; stop(): Promise<void> } {
  const probe: Probe = { ok: 0, failed: 0, failures: [], latenciesMs: [] };
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      const http = n++ % 2 === 1;
      const started = Date.now();
      const why = await probeOnce(http ? httpPort : binaryPort, http, 5000);
      probe.latenciesMs.push(Date.now() - started);
      if (why) {
        probe.failed++;
        if (probe.failures.length < 10) probe.failures.push(`${http ? 'http' : 'binary'}: ${why}`);
      } else probe.ok++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    probe,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
