import { createHash } from 'node:crypto';
import type { ZookeeperConfig } from '../config/discovery-schema.js';
import type { ZkAcl } from './zk-client.js';

/**
 * What one router publishes, in HiveServer2's format: the znode name
 * `serverUri=HOST:PORT;version=V;sequence=` (ZooKeeper appends 10 digits) and the data
 * `k=v;k=v;...`. The Hive JDBC driver reads only the data; older drivers parsed the name's
 * serverUri, so both carry the advertised address.
 */
export interface Publication {
  /** Full path prefix given to create (EPHEMERAL_SEQUENTIAL). */
  readonly prefix: string;
  readonly data: string;
  readonly hostPort: string;
}

export function namespacePath(namespace: string): string {
  return `/${namespace}`;
}

export function publication(zk: ZookeeperConfig, hostPort: string, nodeTransport: 'binary' | 'http', version: string): Publication {
  const host = hostPort.slice(0, hostPort.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = hostPort.slice(hostPort.lastIndexOf(':') + 1);
  const mode = zk.publish.transportMode ?? nodeTransport;
  const fields: Array<[string, string]> = [
    ['hive.server2.instance.uri', hostPort],
    ['hive.server2.thrift.bind.host', host],
    ['hive.server2.transport.mode', mode],
  ];
  if (mode === 'binary') fields.push(['hive.server2.thrift.port', port]);
  else {
    // Drivers differ in which port key they read in http mode: publish both, as HiveServer2 does.
    fields.push(['hive.server2.thrift.http.port', port], ['hive.server2.thrift.port', port], ['hive.server2.thrift.http.path', zk.publish.httpPath]);
  }
  fields.push(['hive.server2.authentication', zk.publish.authentication]);
  if (zk.publish.principal) fields.push(['hive.server2.authentication.kerberos.principal', zk.publish.principal]);
  fields.push(['hive.server2.use.SSL', String(zk.publish.ssl)]);
  return {
    prefix: `${namespacePath(zk.namespace)}/serverUri=${hostPort};version=${version};sequence=`,
    data: fields.map(([k, v]) => `${k}=${v}`).join(';'),
    hostPort,
  };
}

/** The Hive JDBC driver's expression for a znode's data (ZooKeeperHiveClientHelper). */
const KV = /([^=;]*)=([^;]*)[;]?/g;

export function parseZnodeData(data: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of data.matchAll(KV)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * Digest auth makes the router's znodes writable by its own user only and readable by anyone
 * (clients look them up without credentials); without it they are open, as HiveServer2's are
 * without Kerberos.
 */
export function aclFor(zk: ZookeeperConfig): ZkAcl[] {
  if (!zk.digest) return [{ perms: 'all', scheme: 'world', id: 'anyone' }];
  const user = zk.digest.slice(0, zk.digest.indexOf(':'));
  const hash = createHash('sha1').update(zk.digest).digest('base64');
  return [
    { perms: 'all', scheme: 'digest', id: `${user}:${hash}` },
    { perms: 'read', scheme: 'world', id: 'anyone' },
  ];
}
