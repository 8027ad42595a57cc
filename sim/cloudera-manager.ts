// A Cloudera Manager stand-in: the few read-only API endpoints livy-router's node list uses, in
// the JSON shapes Cloudera Manager answers with, as documented by the cloudera/cm_api client
// (cm_api/endpoints/clusters.py, services.py, roles.py, hosts.py, api_client.py) and read by
// apache/knox gateway-discovery-cm (ClouderaManagerServiceDiscovery, the Livy model generator).
// Written from those shapes, not copied. Faults are switched on while it runs, over a separate
// control port, so a test can make CM slow, broken or wrong without restarting it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SimCmRole {
  name: string;
  /** LIVY_SERVER, LIVY_SERVER_FOR_SPARK3, GATEWAY, ... */
  type: string;
  hostId: string;
  hostname: string;
  /** Leave hostRef.hostname out (API before v31): the client must ask /hosts/{hostId}. */
  hideHostname?: boolean;
  roleState?: string;
  commissionState?: string;
  maintenanceMode?: boolean;
  /** null: CM answers `value: null` and the client must use `default`. */
  restPort?: number | null;
  thriftPort?: number | null;
  transportMode?: string | null;
  sslEnabled?: boolean | null;
  /** The Thrift settings are absent from the role config and only in the generated livy.conf (process/configFiles). */
  thriftOnlyInLivyConf?: boolean;
}

export interface SimCmState {
  apiVersion: string;
  clusters: string[];
  /** Services of every cluster: name and type. */
  services: Array<{ name: string; type: string }>;
  roles: SimCmRole[];
}

/** none | 500 | slow (answers after slowMs) | malformed (invalid JSON) | shape (valid JSON, wrong shape) | reset (closes the socket) */
export type SimCmFault = 'none' | '500' | 'slow' | 'malformed' | 'shape' | 'reset';

export interface SimCmOptions {
  host?: string;
  port?: number;
  controlPort?: number;
  users: Record<string, string>;
  state: SimCmState;
  /** Serve https (CM's port 7183) with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer };
}

export interface SimClouderaManager {
  readonly url: string;
  readonly port: number;
  readonly controlPort: number;
  readonly stats: { requests: number; basicLogins: number; cookieHits: number; refused: number };
  setRoles(roles: SimCmRole[]): void;
  setFault(fault: SimCmFault, slowMs?: number): void;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2));
};

function roleConfig(role: SimCmRole) {
  const item = (name: string, relatedName: string, value: string | null | undefined, dflt: string) => ({
    name,
    value: value === undefined ? null : value,
    default: dflt,
    relatedName,
    sensitive: false,
  });
  const str = (v: number | boolean | string | null | undefined) => (v === null || v === undefined ? v : String(v));
  return {
    items: [
      item('livy_server_port', 'livy.server.port', str(role.restPort), '8998'),
      ...(role.thriftOnlyInLivyConf
        ? []
        : [
            item('livy_thrift_port', 'livy.server.thrift.port', str(role.thriftPort), '10090'),
            item('livy_thrift_transport_mode', 'livy.server.thrift.transport.mode', str(role.transportMode), 'binary'),
          ]),
      item('livy_thrift_http_path', 'livy.server.thrift.http.path', null, 'cliservice'),
      item('ssl_enabled', 'livy.keystore.enabled', str(role.sslEnabled), 'false'),
      // What a real answer also holds: sensitive values are never shown by CM.
      { name: 'ssl_server_keystore_password', value: 'REDACTED', sensitive: true },
      { name: 'livy_server_java_heapsize', value: null, default: '1073741824', sensitive: false },
    ],
  };
}

function roleJson(r: SimCmRole, cluster: string, service: string) {
  return {
    name: r.name,
    type: r.type,
    serviceRef: { clusterName: cluster, serviceName: service },
    hostRef: r.hideHostname ? { hostId: r.hostId } : { hostId: r.hostId, hostname: r.hostname },
    roleState: r.roleState ?? 'STARTED',
    healthSummary: 'GOOD',
    configStalenessStatus: 'FRESH',
    maintenanceMode: r.maintenanceMode ?? false,
    maintenanceOwners: [],
    commissionState: r.commissionState ?? 'COMMISSIONED',
    roleConfigGroupRef: { roleConfigGroupName: `${service}-${r.type}-BASE` },
  };
}

export async function startSimClouderaManager(opts: SimCmOptions): Promise<SimClouderaManager> {
  const state = opts.state;
  let fault: SimCmFault = 'none';
  let slowMs = 0;
  const sessions = new Set<string>();
  const stats = { requests: 0, basicLogins: 0, cookieHits: 0, refused: 0 };
  const slowTimers = new Set<NodeJS.Timeout>();

  const authorized = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const cookie = /(?:^|;\s*)SESSION=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie && sessions.has(cookie)) {
      stats.cookieHits++;
      return true;
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const expected = user !== undefined ? opts.users[user] : undefined;
    const given = Buffer.from(rest.join(':'));
    if (expected !== undefined && given.length === Buffer.byteLength(expected) && timingSafeEqual(given, Buffer.from(expected))) {
      stats.basicLogins++;
      const id = randomBytes(16).toString('hex');
      sessions.add(id);
      res.setHeader('set-cookie', `SESSION=${id}; Path=/; HttpOnly`);
      return true;
    }
    stats.refused++;
    res.writeHead(401, { 'www-authenticate': 'Basic realm="Cloudera Manager"', 'content-type': 'text/plain' });
    res.end('Unauthorized');
    return false;
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://cm');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'api') return json(res, 404, { message: `no ${url.pathname}` });
    if (parts[1] === 'version' && parts.length === 2) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(state.apiVersion);
      return;
    }
    if (!/^v\d+$/.test(parts[1] ?? '')) return json(res, 404, { message: 'unknown API version' });
    const [, , what, a, b, c, d, e, f, g, h] = parts;
    if (what === 'hosts' && a && !b) {
      const role = state.roles.find((r) => r.hostId === a);
      return role ? json(res, 200, { hostId: a, hostname: role.hostname, ipAddress: '127.0.0.1' }) : json(res, 404, { message: `Host '${a}' not found.` });
    }
    if (what !== 'clusters') return json(res, 404, { message: `no ${url.pathname}` });
    if (!a) return json(res, 200, { items: state.clusters.map((name) => ({ name, displayName: name, version: 'CDH7', fullVersion: '7.1.9' })) });
    if (!state.clusters.includes(a)) return json(res, 404, { message: `Cluster '${a}' not found.` });
    if (b !== 'services') return json(res, 404, { message: `no ${url.pathname}` });
    if (!c) return json(res, 200, { items: state.services.map((s) => ({ name: s.name, type: s.type, serviceState: 'STARTED', healthSummary: 'GOOD' })) });
    const service = state.services.find((s) => s.name === c);
    if (!service || d !== 'roles') return json(res, 404, { message: `Service '${c}' not found.` });
    if (!e) return json(res, 200, { items: state.roles.map((r) => roleJson(r, a, c)) });
    const role = state.roles.find((r) => r.name === e);
    if (!role) return json(res, 404, { message: `Role '${e}' not found.` });
    if (!f) return json(res, 200, roleJson(role, a, c));
    if (f === 'config') return json(res, 200, roleConfig(role));
    // The role's process: the files CM generated for it, as the agent writes them.
    if (f === 'process' && !g) return json(res, 200, { name: role.name, configFiles: ['livy-conf/livy.conf', 'livy-conf/livy-env.sh'], running: true });
    if (f === 'process' && g === 'configFiles' && h === 'livy-conf/livy.conf') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        `# generated by the stand-in\nlivy.server.port = ${role.restPort ?? 8998}\nlivy.server.thrift.port=${role.thriftPort ?? 10090}\nlivy.server.thrift.transport.mode = ${role.transportMode ?? 'binary'}\n`,
      );
      return;
    }
    return json(res, 404, { message: `no ${url.pathname}` });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    stats.requests++;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (!authorized(req, res)) return;
    if (fault === '500') return json(res, 500, { message: 'Internal error: simulated' });
    if (fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/api/version' ? state.apiVersion : '{"items": [ {"name": "livy-');
      return;
    }
    if (fault === 'shape' && req.url !== '/api/version') return json(res, 200, { items: 'not a list' });
    if (fault === 'slow') {
      const t = setTimeout(() => {
        slowTimers.delete(t);
        if (!res.destroyed) answer(req, res);
      }, slowMs);
      slowTimers.add(t);
      return;
    }
    answer(req, res);
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handle) : http.createServer(handle);
  server.keepAliveTimeout = 5000;

  const control = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      try {
        if (req.method === 'GET' && req.url === '/state') return json(res, 200, { state, fault, stats });
        const input = JSON.parse(body || '{}') as { roles?: SimCmRole[]; fault?: SimCmFault; slowMs?: number };
        if (req.url === '/roles' && Array.isArray(input.roles)) state.roles = input.roles;
        else if (req.url === '/fault' && input.fault) {
          fault = input.fault;
          slowMs = input.slowMs ?? 0;
        } else return json(res, 400, { message: 'PUT /roles {roles} or PUT /fault {fault, slowMs}' });
        return json(res, 200, { ok: true });
      } catch (err) {
        return json(res, 400, { message: (err as Error).message });
      }
    });
  });

  const host = opts.host ?? '127.0.0.1';
  const listen = (s: http.Server | https.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(server, opts.port ?? 0);
  const controlPort = await listen(control, opts.controlPort ?? 0);
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    controlPort,
    stats,
    setRoles: (roles) => (state.roles = roles),
    setFault: (f, ms = 0) => {
      fault = f;
      slowMs = ms;
    },
    close: async () => {
      for (const t of slowTimers) clearTimeout(t);
      server.closeAllConnections();
      control.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => control.close(r))]);
    },
  };
}
