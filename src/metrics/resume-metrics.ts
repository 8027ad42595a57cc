import { Counter, Histogram, type Registry } from 'prom-client';

const PREFIX = 'livy_router_';

export interface ResumedSession {
  readonly from: string;
  readonly to: string;
  readonly transport: string;
  readonly ms: number;
  readonly replayed: number;
  readonly reattached: boolean;
}

/** The metrics of onActiveLost: resume (src/resume/). */
export class ResumeMetrics {
  private readonly resumedTotal: Counter<'reattached'>;
  private readonly failures: Counter<'reason'>;
  private readonly replayed: Counter;
  private readonly endedTotal: Counter;
  private readonly time: Histogram;

  constructor(
    registry: Registry,
    /** Moves a connection's count in connections_open from the old node to the new one. */
    private readonly moveOpen: (from: string, to: string, transport: string) => void,
  ) {
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers: [registry] });
    this.resumedTotal = counter('sessions_resumed_total', 'Sessions moved to a new active (reattached: the same Livy session)', ['reattached']);
    this.failures = counter('session_resume_failures_total', 'Sessions that could not be resumed and were closed, by reason', ['reason']);
    this.replayed = counter('session_statements_replayed_total', 'Session-state statements replayed on a new active');
    this.endedTotal = counter('resumed_sessions_ended_total', 'Resumed sessions ended: their applications live until Livy times them out');
    this.time = new Histogram({
      name: `${PREFIX}session_resume_seconds`,
      help: 'From the loss of the node to the session serving on the new active',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  resumed(r: ResumedSession): void {
    this.resumedTotal.inc({ reattached: String(r.reattached) });
    this.replayed.inc(r.replayed);
    this.time.observe(r.ms / 1000);
    // An HTTP session is not a connection: its client's connections move themselves (connectionMoved).
    if (r.transport !== 'http') this.moveOpen(r.from, r.to, r.transport);
  }

  failed(reason: string): void {
    this.failures.inc({ reason });
  }

  ended(): void {
    this.endedTotal.inc();
  }
}
