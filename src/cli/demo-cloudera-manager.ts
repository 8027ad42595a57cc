import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimClouderaManager, SimCmRole, startSimClouderaManager } from '../../sim/cloudera-manager.js';

interface DemoNode {
  readonly name: string;
  readonly host: string;
  readonly thriftPort: number;
  readonly restPort: number;
}

const USER = 'livy-router-demo';

/**
 * `livy-router demo --cloudera-manager`: the Livy nodes come from a simulated Cloudera Manager
 * (sim/cloudera-manager.ts) instead of the config, and instead of moving the leader the demo
 * starts and stops the last node's Livy role there, so the router adds and removes it while the
 * clients keep querying the active node. The password sits in a temporary file, as in production.
 */
export class DemoClouderaManager {
  private started = false;

  private constructor(
    private readonly cm: SimClouderaManager,
    private readonly nodes: readonly DemoNode[],
    private readonly dir: string,
  ) {}

  static async start(start: typeof startSimClouderaManager, nodes: readonly DemoNode[]): Promise<DemoClouderaManager> {
    const password = `demo-${Math.random().toString(36).slice(2)}`;
    const dir = mkdtempSync(join(tmpdir(), 'livy-router-demo-cm-'));
    writeFileSync(join(dir, 'cm-password'), `${password}\n`, { mode: 0o600 });
    try {
      const cm = await start({
        users: { [USER]: password },
        state: { apiVersion: 'v54', clusters: ['Cluster 1'], services: [{ name: 'livy_for_spark3', type: 'LIVY_FOR_SPARK3' }], roles: [] },
      });
      const demo = new DemoClouderaManager(cm, nodes, dir);
      demo.publish();
      return demo;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get url(): string {
    return this.cm.url;
  }

  /** The router's clouderaManager block: a poll every second, so a change shows within one. */
  block(): Record<string, unknown> {
    return { url: this.cm.url, user: USER, passwordFile: join(this.dir, 'cm-password'), pollIntervalMs: 1000, timeoutMs: 1000 };
  }

  /** Starts the last node's role if it is stopped, stops it otherwise; says what it did. */
  step(): string {
    this.started = !this.started;
    this.publish();
    return `Cloudera Manager: role ${this.nodes.at(-1)!.name} ${this.started ? 'STARTED' : 'STOPPED'}`;
  }

  async close(): Promise<void> {
    await this.cm.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private publish(): void {
    const roles: SimCmRole[] = this.nodes.map((n, i) => ({
      name: n.name,
      type: 'LIVY_SERVER_FOR_SPARK3',
      hostId: `host-${n.name}`,
      hostname: n.host,
      thriftPort: n.thriftPort,
      restPort: n.restPort,
      roleState: i < this.nodes.length - 1 || this.started ? 'STARTED' : 'STOPPED',
    }));
    this.cm.setRoles(roles);
  }
}
