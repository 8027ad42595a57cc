import net from 'node:net';
import { validateConfig } from '../../src/config/validate.js';
import type { NodeConfig } from '../../src/config/schema.js';
import type { CheckConfig } from '../../src/config/health-schema.js';
import type { CheckerContext } from '../../src/health/checker.js';
import { silentLogger } from '../../src/log.js';
import { track } from '../helpers/registry.js';

/** A validated node + check config, as the monitor would hand them to a checker. */
export function checkerContext(
  node: { port: number; restPort?: number; host?: string },
  check: Partial<CheckConfig>,
  onProbeLost: () => void = () => {},
): CheckerContext {
  const v = validateConfig({
    nodes: [{ name: 'n1', host: node.host ?? '127.0.0.1', port: node.port, ...(node.restPort ? { restPort: node.restPort } : {}) }],
    health: check,
  });
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return { node: v.config.nodes[0] as NodeConfig, check: v.config.health, log: silentLogger(), onProbeLost };
}

/** A TCP server that answers every connection with `reply` (garbage) and keeps reading. */
export async function startGarbageServer(reply: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    s.on('error', () => {});
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.once('data', () => s.write(reply));
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return track({
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
}
