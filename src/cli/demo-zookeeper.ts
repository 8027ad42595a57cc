import type { HiveTarget } from '../../sim/hive-client.js';
import { LookupError, lookupAndConnect } from '../discovery/lookup.js';
import type { RegistrationStatus } from '../discovery/registration.js';
import { namespacePath } from '../discovery/znode.js';
import type { DemoConnect, Print } from './demo-clients.js';

export const connectDirectly =
  (target: HiveTarget): DemoConnect =>
  async (open) => ({ value: await open(target), viaZk: false });

/**
 * `demo --zookeeper`: each new connection finds the router the way Hive JDBC does (list, random
 * pick, read, connect; lookup.ts) while ZooKeeper can be reached; while it cannot, the clients
 * connect directly and the router keeps retrying its registration.
 */
export class DemoZooKeeperRoute {
  private viaZk: boolean;

  constructor(
    private readonly direct: HiveTarget,
    private readonly zk: { connect: string; namespace: string },
    private readonly registration: () => RegistrationStatus | undefined,
    private readonly print: Print,
  ) {
    this.viaZk = this.registration()?.registered === true;
  }

  /** Follows the registration; a router between znodes (no active node for a moment) stays looked up. */
  update(): void {
    const s = this.registration();
    if (!s) return;
    if (!this.viaZk && s.registered) {
      this.viaZk = true;
      this.print('zk       router registered: clients look it up in ZooKeeper again');
    } else if (this.viaZk && (s.cause === 'zookeeper-unreachable' || s.cause === 'zookeeper-error')) {
      this.viaZk = false;
      this.print('zk       ZooKeeper UNREACHABLE: clients connect directly meanwhile');
    }
  }

  readonly connect: DemoConnect = async (open) => {
    if (!this.viaZk) return connectDirectly(this.direct)(open);
    try {
      const { value } = await lookupAndConnect({ connect: this.zk.connect, namespace: this.zk.namespace, opTimeoutMs: 2000 }, (t) =>
        open({ ...this.direct, host: t.host, port: t.port, transport: t.transport, ...(t.httpPath ? { httpPath: t.httpPath } : {}) }),
      );
      return { value, viaZk: true };
    } catch (err) {
      // The demo prints 66 columns of a failure: say first what the lookup found.
      if (!(err instanceof LookupError)) throw err;
      const last = err.failures.at(-1)?.error;
      const why = last instanceof Error ? last.message : `no router in ${namespacePath(this.zk.namespace)}`;
      throw new Error(`via ZooKeeper: ${why}`, { cause: err });
    }
  };
}
