// The commit of a resumable HTTP client connection (onActiveLost: resume, Thrift over HTTP without
// TLS): its sockets become an HttpConnection, filed in the registry, its calls read by HttpRequests
// against the router-wide HttpSessionTable.
import type { ClusterState } from '../cluster/cluster-state.js';
import type { RouterConfig } from '../config/schema.js';
import type { HttpOpenRequest } from '../listener/connection-context.js';
import type { Logger } from '../log.js';
import type { RouterObserver } from '../observe.js';
import type { SessionRegistry } from '../session/registry.js';
import type { DialTarget } from '../upstream/dial.js';
import { readMessage, type WholeMessage } from '../wire/http-exchange.js';
import { readCall } from '../wire/tcli-view.js';
import { HttpConnection } from './http-connection.js';
import { HttpRequests } from './http-requests.js';
import type { HttpSessionTable } from './http-session-table.js';

export interface HttpResumeDeps {
  readonly table: HttpSessionTable;
  readonly registry: SessionRegistry;
  readonly cluster: ClusterState;
  readonly config: () => RouterConfig;
  readonly log: Logger;
  readonly observer: RouterObserver;
}

/** Whole requests in `bytes`; undefined when anything is left over (a request cut in the middle). */
function wholeRequests(bytes: Buffer, limits: HttpSessionTable['limits']): Array<{ raw: Buffer; msg: WholeMessage }> | undefined {
  const out: Array<{ raw: Buffer; msg: WholeMessage }> = [];
  let rest = bytes;
  while (rest.length > 0) {
    const read = readMessage(rest, 'request', limits);
    if (read.kind !== 'whole') return undefined;
    out.push({ raw: Buffer.from(rest.subarray(0, read.message.end)), msg: read.message });
    rest = rest.subarray(read.message.end);
  }
  return out;
}

/** The node a new connection's first request belongs to: its session's, else the active one. */
function firstNode(deps: HttpResumeDeps, unsent: Buffer): string {
  const read = readMessage(unsent, 'request', deps.table.limits);
  if (read.kind === 'whole') {
    try {
      const session = deps.table.lookup(read.message.body, readCall(read.message.body, deps.table.limits.maxBodyBytes));
      if (session) return session.nodeName;
    } catch {
      // not a call: the active node
    }
  }
  return deps.cluster.active()?.config.name ?? 'none';
}

export function openResumableHttp(deps: HttpResumeDeps, req: HttpOpenRequest): boolean {
  const { table, registry, cluster, config, observer } = deps;
  const sent = wholeRequests(req.sent, table.limits);
  if (!sent) return false;
  const target = (name: string | undefined): DialTarget | undefined => {
    const node = name === undefined ? cluster.active() : cluster.get(name);
    return node && { name: node.config.name, host: node.config.host, port: node.config.port };
  };
  const connection = new HttpConnection(
    {
      id: req.id,
      client: req.client,
      clientAddress: req.clientAddress,
      heldMs: req.heldMs,
      log: deps.log,
      limits: table.limits,
      connectTimeoutMs: config().connectTimeoutMs,
      target,
      onMove: (c, from) => {
        registry.move(c, from);
        observer.connectionMoved?.(from, c.nodeName, 'http');
      },
      onDone: (c, summary) => registry.ended(c, summary),
    },
    req.node,
    req.node?.name ?? firstNode(deps, req.unsent),
  );
  connection.requests = new HttpRequests(table, connection);
  sent.forEach(({ raw, msg }, i) => connection.requests.sentBefore(raw, msg, i === 0 ? req.kit : undefined));
  registry.adopt(connection, 'http');
  connection.start(req.received, req.unsent, req.clientEnded);
  return true;
}
