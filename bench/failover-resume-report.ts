// The figures of the session failover bench: one proxy's run summed up, medians over runs, the
// table, issue 19's targets with pass/fail, and the last line `RESULT {...}` for machines.
import type { SessionOutcome } from './failover-clients.js';
import type { Proxy } from './failover-procs.js';

export interface ProxyRun {
  /** Client-visible errors, summed over the idle sessions. */
  idleErrors: number;
  /** Summed over the mid-query sessions. */
  midErrors: number;
  /** The most errors one mid-query session saw. */
  midMaxErrors: number;
  /** Reconnect attempts, idle and mid sessions. */
  reconnects: number;
  /** Promotion -> first query answered by the new active, over every session (null: never). */
  firstOkMedianMs: number | null;
  firstOkMaxMs: number | null;
  /** Sessions the new active had not answered within the limit. */
  never: number;
  /** Idle sessions whose database, SET value, temporary view and application id survived with no re-run by the client. */
  stateKept: number;
  /** Idle sessions still on the same application (Spark application id). */
  appIdKept: number;
}

/** "Never" (null) sorts last: a median of mostly-never is never. */
function median(values: Array<number | null>): number | null {
  const sorted = [...values].sort((x, y) => (x ?? Infinity) - (y ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

export function summarize(outcomes: SessionOutcome[]): ProxyRun {
  const idle = outcomes.filter((o) => o.kind === 'idle');
  const mid = outcomes.filter((o) => o.kind === 'mid');
  const times = outcomes.map((o) => (o.firstOkMs === null ? null : Math.round(o.firstOkMs)));
  const never = times.filter((t) => t === null).length;
  return {
    idleErrors: idle.reduce((n, o) => n + o.errors, 0),
    midErrors: mid.reduce((n, o) => n + o.errors, 0),
    midMaxErrors: Math.max(0, ...mid.map((o) => o.errors)),
    reconnects: outcomes.reduce((n, o) => n + o.reconnects, 0),
    firstOkMedianMs: median(times),
    firstOkMaxMs: never > 0 ? null : Math.max(...(times as number[])),
    never,
    stateKept: idle.filter((o) => o.stateKept).length,
    appIdKept: idle.filter((o) => o.appIdKept).length,
  };
}

const KEYS = ['idleErrors', 'midErrors', 'midMaxErrors', 'reconnects', 'firstOkMedianMs', 'firstOkMaxMs', 'never', 'stateKept', 'appIdKept'] as const;

function medianRun(runs: ProxyRun[]): ProxyRun {
  const m = {} as Record<(typeof KEYS)[number], number | null>;
  for (const k of KEYS) m[k] = median(runs.map((r) => r[k]));
  return m as ProxyRun;
}

const NAMES: Record<Proxy['name'], string> = {
  router: 'livy-router',
  'router-resume': 'livy-router, resume',
  'router-close': 'livy-router, close',
  haproxy: 'HAProxy',
};

interface Options {
  runs: number;
  idle: number;
  mid: number;
  limitMs: number;
  transport: 'binary' | 'http';
}

/** Prints the table, the targets and RESULT; returns the exit code (1 when a target failed). */
export function targetsOf(rows: Array<{ scenario: string; runs: Array<Map<Proxy['name'], ProxyRun>> }>, o: Options, out: (line: string) => void): number {
  const ms = (v: number | null) => (v === null ? `never (>${o.limitMs / 1000} s)` : `${v} ms`);
  const scenarios = rows.map(({ scenario, runs }) => {
    const names = [...(runs[0]?.keys() ?? [])];
    const proxies = Object.fromEntries(names.map((n) => [n, medianRun(runs.map((r) => r.get(n)!))]));
    // Issue 19's targets for resume, held by every run (not by the median).
    const resume = runs.map((r) => r.get('router-resume')!);
    const targets = {
      idleErrors0: resume.every((r) => r.idleErrors === 0),
      midErrorsAtMost1: resume.every((r) => r.midMaxErrors <= 1),
      reconnects0: resume.every((r) => r.reconnects === 0),
    };
    return { name: scenario, proxies, targets };
  });
  out('');
  out(
    `| scenario | proxy | errors: idle (${o.idle} sessions) / mid-query (${o.mid}), most on one mid session | reconnects | promotion -> first query on the new active, median / max | idle sessions with database, SET, view and app id kept / app id kept |`,
  );
  out('| --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios) {
    for (const [name, r] of Object.entries(s.proxies)) {
      out(
        `| ${s.name} | ${NAMES[name as Proxy['name']]} | ${r.idleErrors} / ${r.midErrors}, ${r.midMaxErrors} | ${r.reconnects} | ${ms(r.firstOkMedianMs)} / ${ms(r.firstOkMaxMs)} | ${r.stateKept} / ${r.appIdKept} of ${o.idle} |`,
      );
    }
  }
  out('');
  const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  let failed = false;
  for (const s of scenarios) {
    const t = s.targets;
    failed ||= !(t.idleErrors0 && t.midErrorsAtMost1 && t.reconnects0);
    out(
      `target (livy-router resume, ${s.name}, every run): idle sessions 0 errors ${verdict(t.idleErrors0)}; at most 1 error per mid-query session ${verdict(t.midErrorsAtMost1)}; 0 reconnects ${verdict(t.reconnects0)}`,
    );
  }
  // `transport` only when not the default binary: without --transport the line stays as it was.
  const transport = o.transport === 'binary' ? {} : { transport: o.transport };
  out(`RESULT ${JSON.stringify({ mode: 'resume', ...transport, runs: o.runs, idle: o.idle, mid: o.mid, scenarios })}`);
  return failed ? 1 : 0;
}
