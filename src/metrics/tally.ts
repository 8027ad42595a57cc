// Counts on the connection path kept as plain numbers, one per label set, and handed to
// prom-client when /metrics is scraped. prom-client's inc() builds a hash of its label object and
// validates it on every call; a new connection made eight such calls (issue 22). Here a count is
// two Map lookups and an add.
import { Counter, Gauge, type Registry } from 'prom-client';

interface Series {
  readonly labels: Record<string, string>;
  value: number;
}

/** A counter or gauge with one or two labels whose values are summed here and copied out at scrape time. */
export class Tally {
  private readonly series = new Map<string, Map<string, Series>>();

  constructor(
    registry: Registry,
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    private readonly labelNames: readonly [string] | readonly [string, string],
  ) {
    const collect = (metric: Counter | Gauge) => {
      metric.reset();
      for (const inner of this.series.values()) {
        for (const s of inner.values()) {
          if (metric instanceof Gauge) metric.set(s.labels, s.value);
          else metric.inc(s.labels, s.value);
        }
      }
    };
    const config = { name, help, labelNames, registers: [registry] };
    if (kind === 'gauge') {
      const g: Gauge = new Gauge({ ...config, collect: () => collect(g) });
    } else {
      const c: Counter = new Counter({ ...config, collect: () => collect(c) });
    }
  }

  /** Adds `by` (negative for a gauge going down) to the series labelled `a` (and `b`, for two labels). */
  add(a: string, b: string, by: number): void {
    let inner = this.series.get(a);
    if (!inner) this.series.set(a, (inner = new Map()));
    const s = inner.get(b);
    if (s) s.value += by;
    else inner.set(b, { labels: this.labels(a, b), value: by });
  }

  private labels(a: string, b: string): Record<string, string> {
    const [first, second] = this.labelNames;
    return second === undefined ? { [first]: a } : { [first]: a, [second]: b };
  }
}
