import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { spawnSimNode } from '../helpers/sim.js';
import type { SimNodeProcess } from '../../sim/spawn.js';

export const USER = 'alice';
export const PASSWORD = 'rest-secret-7f3a';
export const SPARKMAGIC = fileURLToPath(new URL('./sparkmagic_calls.py', import.meta.url));

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real client program; never rejects, the test reads the exit code. */
export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Basic auth on the node's REST API (a sim control call, straight to the node). */
export async function requireBasic(node: SimNodeProcess): Promise<void> {
  const r = await fetch(`${node.restUrl}/_sim/rest-auth?user=${USER}&password=${PASSWORD}`, { method: 'POST' });
  if (r.status !== 204) throw new Error(`rest-auth on ${node.name}: ${r.status}`);
}

/** Moves the leader: `to` leads, every other node follows it (as Livy's leader latch does). */
export async function moveLeader(nodes: readonly SimNodeProcess[], to: SimNodeProcess): Promise<void> {
  for (const n of nodes) {
    if (n === to) continue;
    await fetch(`${n.restUrl}/_sim/role?role=follower&leader=${encodeURIComponent(to.restUrl)}`, { method: 'POST' }).catch(() => undefined);
  }
  await fetch(`${to.restUrl}/_sim/role?role=leader`, { method: 'POST' });
}

export interface RestCluster {
  passive: SimNodeProcess;
  active: SimNodeProcess;
  router: RouterProcess;
  restPort: number;
  restUrl: string;
}

/**
 * Two sim node processes with Basic auth on REST, the passive listed first, and the real router
 * process with its REST listener; extra router flags after.
 */
export async function startRestCluster(extra: string[] = [], logLevel = 'debug'): Promise<RestCluster> {
  const active = await spawnSimNode({ name: 'livy-a', role: 'leader' });
  const passive = await spawnSimNode({ name: 'livy-p', role: 'follower', leaderRestUrl: active.restUrl });
  await Promise.all([requireBasic(active), requireBasic(passive)]);
  const router = await startRouterProcess([
    '--node',
    `livy-p=127.0.0.1:${passive.thriftPort},rest=${passive.restPort}`,
    '--node',
    `livy-a=127.0.0.1:${active.thriftPort},rest=${active.restPort}`,
    '--check',
    'ha-status',
    '--admin',
    'off',
    '--rest-listen',
    '127.0.0.1:0',
    '--log-level',
    logLevel,
    ...extra,
  ]);
  const line = await eventually(() => router.lines.find((l) => l.msg === 'REST listening'), { what: 'the REST listening line' });
  const restPort = Number(String(line.address).split(':').pop());
  return { passive, active, router, restPort, restUrl: `http://127.0.0.1:${restPort}` };
}
