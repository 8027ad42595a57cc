import type { z } from 'zod';
import type { ClouderaManagerConfig } from '../config/cloudera-manager-schema.js';
import { CmError, type CmClient } from './cm-client.js';
import {
  clustersAnswer,
  hostAllowed,
  hostAnswer,
  LIVY_SERVICE_TYPES,
  livyConfItems,
  processAnswer,
  THRIFT_KEYS,
  nodeFromRole,
  roleConfigAnswer,
  roleSkipReason,
  rolesAnswer,
  servicesAnswer,
  type DiscoveredNode,
  type RoleVerdict,
} from './cm-roles.js';

/** One complete read of the Livy roles: the node list and a verdict for every role. */
export interface CmDiscovery {
  readonly apiVersion: string;
  readonly cluster: string;
  readonly service: string;
  readonly serviceType: string;
  /** Kept roles, sorted by node name: the order does not depend on CM's answer order. */
  readonly nodes: readonly DiscoveredNode[];
  readonly verdicts: readonly RoleVerdict[];
}

async function read<T extends z.ZodType>(client: CmClient, path: string, shape: T): Promise<z.infer<T>> {
  const body = await client.getJson(path);
  const parsed = shape.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CmError('bad-answer', `Cloudera Manager's answer to ${path} has an unexpected shape: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The named one, or the only one; otherwise a message that lists what there is. */
function pick<T extends { name: string; displayName?: string | undefined }>(items: readonly T[], wanted: string | undefined, what: string, option: string): T {
  const names = items.map((i) => i.name).join(', ') || 'none';
  if (wanted !== undefined) {
    const found = items.find((i) => i.name === wanted || i.displayName === wanted);
    if (!found) throw new CmError('not-found', `Cloudera Manager has no ${what} named ${wanted} (it has: ${names})`);
    return found;
  }
  if (items.length !== 1) throw new CmError('not-found', `Cloudera Manager has ${items.length} ${what}s (${names}): set clouderaManager.${option}`);
  return items[0]!;
}

const segment = encodeURIComponent;

/**
 * Reads the Livy server roles of one Livy service the way the cm_api client and Knox's CM
 * discovery do: version, cluster, service, roles (view=full), the host of a hostRef without a
 * hostname, and the config of each role that may become a node. Throws a CmError on anything
 * that is not a complete answer: a partial list must never replace a good one.
 */
export async function discoverLivyNodes(client: CmClient, cm: ClouderaManagerConfig, nodeTransport: string): Promise<CmDiscovery> {
  let apiVersion = cm.apiVersion;
  if (apiVersion === undefined) {
    const text = (await client.getText('api/version')).trim();
    if (!/^v\d+$/.test(text))
      throw new CmError('bad-answer', `Cloudera Manager's /api/version is ${JSON.stringify(text.slice(0, 40))}, not a version like v54`);
    apiVersion = text;
  }
  const api = `api/${apiVersion}`;
  const cluster = pick((await read(client, `${api}/clusters`, clustersAnswer)).items, cm.cluster, 'cluster', 'cluster');
  const clusterPath = `${api}/clusters/${segment(cluster.name)}`;
  const livy = (await read(client, `${clusterPath}/services`, servicesAnswer)).items.filter((s) => LIVY_SERVICE_TYPES.includes(s.type));
  const service = pick(livy, cm.service, 'Livy service', 'service');
  const servicePath = `${clusterPath}/services/${segment(service.name)}`;
  const roles = (await read(client, `${servicePath}/roles?view=full`, rolesAnswer)).items;
  const hostnames = new Map<string, string>();
  const verdicts: RoleVerdict[] = [];
  for (const role of roles) {
    let host = role.hostRef.hostname;
    const early = roleSkipReason(role);
    if (early) {
      verdicts.push({ role: role.name, type: role.type, host, reason: early });
      continue;
    }
    // hostRef.hostname exists from API v31; before, or when CM leaves it out, ask /hosts.
    if (host === undefined) {
      host = hostnames.get(role.hostRef.hostId) ?? (await read(client, `${api}/hosts/${segment(role.hostRef.hostId)}`, hostAnswer)).hostname;
      hostnames.set(role.hostRef.hostId, host);
    }
    if (!hostAllowed(host, cm.allowedHosts)) {
      verdicts.push({ role: role.name, type: role.type, host, reason: `host ${host} is outside clouderaManager.allowedHosts` });
      continue;
    }
    const rolePath = `${servicePath}/roles/${segment(role.name)}`;
    const items = (await read(client, `${rolePath}/config?view=full`, roleConfigAnswer)).items;
    // Knox's way: where the role config lacks the Thrift settings, read the livy.conf CM generated.
    if (!items.some((i) => THRIFT_KEYS.some((k) => i.name === k || i.relatedName === k))) {
      const file = (await read(client, `${rolePath}/process`, processAnswer)).configFiles?.find((f) => f.endsWith('livy.conf'));
      if (file) items.push(...livyConfItems(await client.getText(`${rolePath}/process/configFiles/${segment(file)}`)));
    }
    const made = nodeFromRole(role, host, items, nodeTransport);
    if (typeof made === 'string') verdicts.push({ role: role.name, type: role.type, host, reason: made });
    else {
      const reason = `STARTED and COMMISSIONED${made.maintenance ? ', in maintenance mode (kept: maintenance does not stop a role)' : ''}`;
      verdicts.push({ role: role.name, type: role.type, host, reason, node: made });
    }
  }
  const nodes = verdicts.flatMap((v) => (v.node ? [v.node] : [])).sort((a, b) => (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0));
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.node.name)) throw new CmError('bad-answer', `Cloudera Manager lists role ${n.role} twice`);
    seen.add(n.node.name);
  }
  return { apiVersion, cluster: cluster.name, service: service.name, serviceType: service.type, nodes, verdicts };
}
