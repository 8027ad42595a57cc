// The soak's Livy cluster: three soak-node processes on fixed ports, so a node killed with -9 comes
// back as a follower where the router expects it. Roles are set over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './procs.js';

const NODE_FILE = fileURLToPath(new URL('./soak-node.js', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

export interface SoakNode {
  readonly name: string;
  readonly thriftPort: number;
  readonly restPort: number;
  child: ChildProcess;
}

async function spawnNode(thriftPort: number, restPort: number, role: 'leader' | 'follower'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NODE_FILE, '--thrift-port', String(thriftPort), '--rest-port', String(restPort), '--role', role], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`soak node on ${thriftPort} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`soak node on ${thriftPort} exited (${code ?? signal})`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export class SoakCluster {
  private constructor(readonly nodes: SoakNode[]) {}

  static async start(count: number): Promise<SoakCluster> {
    const nodes: SoakNode[] = [];
    const cluster = new SoakCluster(nodes);
    try {
      for (let i = 0; i < count; i++) {
        const [thriftPort, restPort] = [await freePort(), await freePort()];
        nodes.push({ name: `livy-${i + 1}`, thriftPort, restPort, child: await spawnNode(thriftPort, restPort, i === 0 ? 'leader' : 'follower') });
      }
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  setRole(node: SoakNode, role: 'leader' | 'follower'): void {
    if (node.child.connected) node.child.send({ role });
  }

  signal(node: SoakNode, signal: NodeJS.Signals): void {
    node.child.kill(signal);
  }

  /** Kills the node's process (-9) and starts a new one on the same ports as a follower. */
  async restartAsFollower(node: SoakNode): Promise<void> {
    node.child.kill('SIGKILL');
    await exited(node.child);
    node.child = await spawnNode(node.thriftPort, node.restPort, 'follower');
  }

  async close(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        n.child.kill('SIGKILL');
        await exited(n.child);
      }),
    );
  }
}
