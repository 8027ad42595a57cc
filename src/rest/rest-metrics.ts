import { Counter, Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** A metric label from a client's method: a fixed set, so a hostile client cannot grow the series. */
export function methodLabel(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'other';
}

export type ReplayReason = 'redirect' | 'node-lost' | 'unreachable';

/** The REST listener's metrics, in the router's registry (scraped from /metrics with the rest). */
export class RestMetrics {
  private readonly requests: Counter<'method' | 'status_class'>;
  private readonly duration: Histogram<'method'>;
  private readonly replays: Counter<'reason'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'livy_router_rest_requests_total',
      help: 'REST requests answered, by method and status class (1xx-5xx; "none" when the connection ended first)',
      labelNames: ['method', 'status_class'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'livy_router_rest_request_duration_seconds',
      help: 'REST requests from arrival to the last byte of the answer, by method',
      labelNames: ['method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    });
    this.replays = new Counter({
      name: 'livy_router_rest_resent_total',
      help: 'REST requests the router sent to another node: after a 307 (redirect), after the node was lost (node-lost, GET/HEAD only) or refused the connection (unreachable)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** Label children by `method status_class`: prom-client hashes a label object on every call, a child once. */
  private readonly children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();

  done(method: string, status: number | undefined, seconds: number): void {
    const label = methodLabel(method);
    const statusClass = status ? `${Math.floor(status / 100)}xx` : 'none';
    const key = `${label} ${statusClass}`;
    let child = this.children.get(key);
    if (!child) {
      child = { count: this.requests.labels(label, statusClass), time: this.duration.labels(label) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  resent(reason: ReplayReason): void {
    this.replays.inc({ reason });
  }
}
