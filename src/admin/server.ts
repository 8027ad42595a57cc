import http from 'node:http';
import type net from 'node:net';
import type { Logger } from '../log.js';
import { refusal, type AdminAccess } from './access.js';
import { AdminBindError } from './errors.js';
import { ADMIN_MAX_CONNECTIONS } from '../listener/descriptor-budget.js';

/** What the admin endpoint serves; the service composes these from the router and metrics. */
export interface AdminHandlers {
  status(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Undefined when ready; otherwise why not (answered with 503). */
  notReadyReason(): string | undefined;
}

export interface AdminServer {
  readonly address: net.AddressInfo;
  /** Stops listening and drops its connections (scrapers hold keep-alive ones). Idempotent. */
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: http.ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`);

/**
 * GET /status, /metrics, /healthz, /readyz. /healthz answers 200 as long as the process serves
 * (draining included: a liveness probe must not kill a router that is letting queries finish);
 * /readyz answers 200 only while an active node is known and the router is not draining.
 */
export function startAdminServer(where: { host: string; port: number }, handlers: AdminHandlers, log: Logger, access: () => AdminAccess): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const refused = refusal(req, path, access());
    if (refused) {
      if (refused.status === 401) res.setHeader('www-authenticate', 'Bearer realm="livy-router"');
      return json(res, refused.status, { error: refused.message });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: `method ${req.method} not allowed` });
    }
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz': {
        const reason = handlers.notReadyReason();
        return reason === undefined
          ? send(res, 200, 'text/plain; charset=utf-8', 'ready\n')
          : send(res, 503, 'text/plain; charset=utf-8', `not ready: ${reason}\n`);
      }
      case '/status':
        return json(res, 200, handlers.status());
      case '/metrics':
        handlers.metrics().then(
          (m) => send(res, 200, m.contentType, m.body),
          (err: unknown) => {
            log.error({ err }, 'metrics collection failed');
            send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
          },
        );
        return;
      default:
        return json(res, 404, { error: `no ${path}; try /status, /metrics, /healthz or /readyz` });
    }
  });
  // Bounded, so the descriptor budget can count it (probes and scrapers need a few at once).
  server.maxConnections = ADMIN_MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    const onBindError = (err: NodeJS.ErrnoException) => reject(new AdminBindError(where.host, where.port, err));
    server.once('error', onBindError);
    server.listen({ host: where.host, port: where.port }, () => {
      server.off('error', onBindError);
      server.on('error', (err) => log.error({ err }, 'admin endpoint error'));
      let closing: Promise<void> | undefined;
      resolve({
        address: server.address() as net.AddressInfo,
        close: () =>
          (closing ??= new Promise<void>((r) => {
            server.close(() => r());
            // Answers are small and quick; a scrape cut at shutdown is retried by Prometheus.
            server.closeAllConnections();
          })),
      });
    });
  });
}
