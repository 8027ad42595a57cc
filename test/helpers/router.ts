import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import { validateConfig } from '../../src/config/validate.js';
import type { RouterConfig } from '../../src/config/schema.js';
import { Service } from '../../src/service.js';
import { onStop } from './registry.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose JSON lines land in an array, so tests can assert what was logged. */
export function captureLogger(level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { log: pino({ level }, sink), lines };
}

export function testConfig(nodes: Array<{ name: string; port: number; restPort?: number }>, extra: Record<string, unknown> = {}): RouterConfig {
  const v = validateConfig({
    listeners: [{ host: '127.0.0.1', port: 0, transport: 'auto' }],
    nodes: nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port, ...(n.restPort ? { restPort: n.restPort } : {}) })),
    connectTimeoutMs: 1000,
    health: { kind: 'none' },
    admin: { enabled: false },
    ...extra,
  });
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config;
}

/** An in-process router (stopped after the test); its log lines land in `lines`. */
export async function startTestRouter(
  nodes: Array<{ name: string; port: number; restPort?: number }>,
  extra: Record<string, unknown> = {},
): Promise<{ service: Service; port: number; lines: LogLine[] }> {
  const { log, lines } = captureLogger();
  const service = await Service.start(testConfig(nodes, extra), log);
  // No grace: the test is over, nothing waits for its connections.
  onStop(() => service.stop(0));
  return { service, port: service.listenAddresses[0]!.port, lines };
}
