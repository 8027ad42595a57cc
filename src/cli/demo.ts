import { createLogger } from '../log.js';
import { validateConfig } from '../config/validate.js';
import { startService } from '../service.js';
import { loadSimulator } from './load-simulator.js';

export interface DemoOptions {
  port: number;
  intervalMs: number;
  moveEveryMs: number;
  durationMs: number;
}

const out = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)}  ${line}\n`);

/**
 * A simulated 3-node Livy HA cluster (passive nodes reject in three different ways), the router in
 * front of it, and a real HiveServer2 client (hive-driver) querying through the router every
 * second while the active node moves. Ctrl-C stops everything and exits 0.
 */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const { startSimCluster, queryNode } = await loadSimulator();
  const log = createLogger({ level: 'info', pretty: true });
  const cluster = await startSimCluster({
    nodes: [
      { name: 'livy-1', passiveStyle: 'sasl-bad' },
      { name: 'livy-2', passiveStyle: 'open-session-error' },
      { name: 'livy-3', passiveStyle: 'reset' },
    ],
    active: 'livy-1',
    logger: log.child({ component: 'sim' }, { level: 'warn' }),
  });
  const validation = validateConfig({
    listeners: [{ host: '127.0.0.1', port: opts.port, transport: 'auto' }],
    nodes: cluster.nodes.map((n) => ({ name: n.name, host: n.host, port: n.thriftPort, restPort: n.restPort })),
    health: { kind: 'ha-status' },
    admin: { enabled: false },
    log: { level: 'info', pretty: true },
  });
  if (!validation.ok) throw new Error(validation.problems.join('\n'));
  let service;
  try {
    service = await startService(validation.config, log.child({ component: 'router' }));
  } catch (err) {
    await cluster.close();
    throw err;
  }
  const port = service.listenAddresses[0]!.port;
  out(`simulated Livy nodes: ${cluster.nodes.map((n) => `${n.name}=${n.host}:${n.thriftPort} (rest ${n.restPort})`).join(', ')}`);
  out(`router listening on 127.0.0.1:${port}: jdbc:hive2://127.0.0.1:${port}/default`);
  out(`active node: ${cluster.active()?.name}; it moves every ${opts.moveEveryMs / 1000} s. Ctrl-C to stop.`);

  let stopping = false;
  let ticks = 0;
  const names = cluster.nodes.map((n) => n.name);
  const queryTimer = setInterval(() => {
    const started = Date.now();
    queryNode({ host: '127.0.0.1', port, auth: 'plain', user: 'demo', password: 'demo', timeoutMs: 5000 }).then(
      (node) => !stopping && out(`query through the router answered by ${node} (${Date.now() - started} ms)`),
      (err: Error) => !stopping && out(`query failed: ${err.message}`),
    );
  }, opts.intervalMs);
  const moveTimer = setInterval(() => {
    ticks++;
    const next = names[ticks % names.length]!;
    out(`--- moving the active node: ${cluster.active()?.name} -> ${next}`);
    cluster.setActive(next);
  }, opts.moveEveryMs);

  return new Promise<number>((resolve) => {
    let durationTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearInterval(queryTimer);
      clearInterval(moveTimer);
      clearTimeout(durationTimer);
      out('stopping');
      void service.stop(0).then(() => cluster.close()).then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.durationMs > 0) durationTimer = setTimeout(stop, opts.durationMs);
  });
}
