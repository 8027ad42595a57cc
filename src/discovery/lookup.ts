import { ZkClient } from './zk-client.js';
import { namespacePath, parseZnodeData } from './znode.js';

/** Where one znode says to connect, read the way the Hive JDBC driver reads it. */
export interface LookupTarget {
  readonly znode: string;
  readonly host: string;
  readonly port: number;
  readonly transport: 'binary' | 'http';
  readonly httpPath: string | undefined;
  readonly ssl: boolean;
  readonly principal: string | undefined;
}

export interface LookupOptions {
  /** ZooKeeper connect string, as in the JDBC URL's authority. */
  readonly connect: string;
  readonly namespace: string;
  /** Passes over every znode (the URL's `retries`); default 1. */
  readonly retries?: number;
  readonly opTimeoutMs?: number;
  readonly random?: () => number;
}

export class LookupError extends Error {
  constructor(
    message: string,
    readonly failures: ReadonlyArray<{ znode: string; error: unknown }>,
  ) {
    super(message);
    this.name = 'LookupError';
  }
}

/** The driver's reading of a znode's data: `k=v;...` (HiveServer2 2.0+), else a bare `host:port`. */
export function targetFromZnode(znode: string, data: string): LookupTarget {
  const kv = parseZnodeData(data);
  if (!kv.has('hive.server2.thrift.bind.host')) {
    const i = data.lastIndexOf(':');
    return { znode, host: data.slice(0, i), port: Number(data.slice(i + 1)), transport: 'binary', httpPath: undefined, ssl: false, principal: undefined };
  }
  const transport = kv.get('hive.server2.transport.mode') === 'http' ? 'http' : 'binary';
  const port = transport === 'http' ? kv.get('hive.server2.thrift.http.port') : kv.get('hive.server2.thrift.port');
  return {
    znode,
    host: kv.get('hive.server2.thrift.bind.host')!,
    port: Number(port),
    transport,
    httpPath: kv.get('hive.server2.thrift.http.path'),
    ssl: kv.get('hive.server2.use.SSL') === 'true',
    principal: kv.get('hive.server2.authentication.kerberos.principal'),
  };
}

/**
 * Hive JDBC's ZooKeeper lookup (ZooKeeperHiveClientHelper + HiveConnection): list the namespace,
 * pick a random child not tried yet, read its data, connect; on any failure to connect or to open
 * a session, try another; when every child was tried, start another pass, up to `retries`.
 * The znode's name is never parsed. The ZooKeeper session is closed on every path.
 */
export async function lookupAndConnect<T>(
  options: LookupOptions,
  connectTo: (target: LookupTarget) => Promise<T>,
): Promise<{ value: T; target: LookupTarget }> {
  const random = options.random ?? Math.random;
  const ns = namespacePath(options.namespace);
  const zk = new ZkClient({ connect: options.connect, sessionTimeoutMs: 10_000, opTimeoutMs: options.opTimeoutMs ?? 5000 });
  const failures: Array<{ znode: string; error: unknown }> = [];
  try {
    for (let pass = 0; pass < (options.retries ?? 1); pass++) {
      const tried = new Set<string>();
      for (;;) {
        const left = (await zk.children(ns)).filter((c) => !tried.has(c));
        if (!left.length) break;
        const child = left[Math.floor(random() * left.length)]!;
        tried.add(child);
        const data = await zk.data(`${ns}/${child}`);
        // Gone between the list and the read: the driver moves on too.
        if (data === undefined) continue;
        const target = targetFromZnode(child, data);
        try {
          return { value: await connectTo(target), target };
        } catch (error) {
          failures.push({ znode: child, error });
        }
      }
    }
  } finally {
    await zk.close();
  }
  const detail = failures.map((f) => `${f.znode}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ');
  throw new LookupError(`no server in ZooKeeper ${options.connect} ${ns} took the connection${detail ? ` (${detail})` : ' (no znodes)'}`, failures);
}
