import { readCmSecrets } from '../node-list/cm-poller.js';
import { CmClient } from '../node-list/cm-client.js';
import { discoverLivyNodes, type CmDiscovery } from '../node-list/cm-discover.js';
import { RouterError } from '../errors.js';
import type { CmFlags } from '../config/cloudera-manager-flags.js';
import { resolveConfig } from './resolve-config.js';

export interface DiscoverArgs extends CmFlags {
  config?: string;
  nodeTransport?: string;
  json?: boolean;
}

/**
 * `livy-router discover`: asks Cloudera Manager once, as the running router would, and prints the
 * node list it would use and why each role was kept or skipped. Exit 0 with at least one node,
 * 2 when CM answered but no role qualifies, 1 when the block is invalid or CM cannot be read.
 */
export async function discoverCommand(args: DiscoverArgs): Promise<number> {
  const { source, validation } = await resolveConfig({ ...args });
  if (!validation.ok) {
    process.stderr.write(`${source}: ${validation.problems.length} problem(s)\n${validation.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  const cm = validation.config.clouderaManager;
  if (!cm) {
    process.stderr.write('livy-router discover: give --cm-url URL (and --cm-user, --cm-password-file) or a config file with a clouderaManager block\n');
    return 1;
  }
  const client = new CmClient({ url: cm.url, user: cm.user, ...readCmSecrets(cm), timeoutMs: cm.timeoutMs });
  let found: CmDiscovery;
  try {
    found = await discoverLivyNodes(client, cm, validation.config.nodeTransport);
  } catch (err) {
    throw err instanceof RouterError ? err : new RouterError('LR_CM_DISCOVER', String(err), { cause: err });
  } finally {
    client.close();
  }
  if (args.json) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
  else process.stdout.write(render(cm.url, found));
  return found.nodes.length > 0 ? 0 : 2;
}

function render(url: string, d: CmDiscovery): string {
  const lines = [`Cloudera Manager ${url} (API ${d.apiVersion}), cluster ${d.cluster}, service ${d.service} (${d.serviceType})`, ''];
  lines.push(d.nodes.length ? `node list (${d.nodes.length}), in the order the router keeps:` : 'node list: EMPTY (no role qualifies)');
  for (const n of d.nodes) {
    const extra = [n.tls ? 'TLS' : '', n.transport === 'http' ? `httpPath ${n.httpPath}` : '', n.maintenance ? 'maintenance' : ''].filter(Boolean).join(', ');
    lines.push(`  ${n.node.name}  ${n.node.host}:${n.node.port}  rest ${n.node.restPort}  ${n.transport}${extra ? `  (${extra})` : ''}`);
  }
  lines.push('', 'roles:');
  for (const v of d.verdicts) lines.push(`  ${v.node ? 'KEEP' : 'SKIP'}  ${v.role}  ${v.type}  ${v.host ?? '-'}: ${v.reason}`);
  return `${lines.join('\n')}\n`;
}
