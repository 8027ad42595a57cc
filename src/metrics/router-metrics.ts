import { ResumeMetrics, type ResumedSession } from './resume-metrics.js';
import { Tally } from './tally.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LimitKind, RejectKind, RouterObserver, SessionSummary } from '../observe.js';
import type { ClusterState, NodeState } from '../cluster/cluster-state.js';
import { VERSION } from '../version.js';

const PREFIX = 'livy_router_';
const NT = ['node', 'transport'] as const;
const NODE_STATES: readonly NodeState[] = ['active', 'passive', 'unknown', 'down', 'new'];

/** One finished health check, as the health monitor reports it. */
export interface CheckReport {
  readonly node: string;
  /** Epoch ms when the check finished. */
  readonly at: number;
  readonly latencyMs: number;
  /** A small fixed set (e.g. active, passive, down, timeout, error): it is a metric label. */
  readonly result: string;
}

/**
 * Everything the router reports to Prometheus, in its own registry (so several routers in one
 * test process do not collide). The data path feeds it through RouterObserver; the cluster model
 * is read at scrape time, so node gauges can never drift from what /status shows.
 */
export class RouterMetrics implements RouterObserver {
  readonly registry = new Registry();
  private cluster: ClusterState | undefined;
  private lastActive: string | undefined;
  private heldNow = 0;
  private readonly heldListeners = new Set<(delta: 1 | -1) => void>();

  private readonly accepted = this.tally('counter', 'connections_accepted_total', 'Client TCP connections accepted, by listener', ['listener']);
  private readonly refused = this.counter(
    'connections_refused_total',
    'Client connections refused before reaching a node (bad first bytes, timeout, no node accepted)',
  );
  private readonly limitRefusals = this.counter(
    'limit_refusals_total',
    'Clients refused at accept by a connection limit: source (maxClientConnectionsPerSource), listener (maxClientConnections), descriptors (the descriptor budget)',
    ['limit'],
  );
  private readonly opened = this.tally('counter', 'connections_opened_total', 'Client connections committed to a node, by node and transport', NT);
  private readonly closed = this.tally('counter', 'connections_closed_total', 'Committed connections that ended, by node and transport', NT);
  private readonly open = this.tally('gauge', 'connections_open', 'Committed connections open now, by node and transport', NT);
  private readonly bytesFromClient = this.tally(
    'counter',
    'bytes_from_client_total',
    'Bytes proxied client -> node after the handshake, counted when the connection closes',
    NT,
  );
  private readonly bytesToClient = this.tally(
    'counter',
    'bytes_to_client_total',
    'Bytes proxied node -> client after the handshake, counted when the connection closes',
    NT,
  );
  private readonly duration = new Histogram({
    name: `${PREFIX}connection_duration_seconds`,
    help: 'How long committed connections lasted, by node',
    labelNames: ['node'],
    buckets: [0.1, 1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600],
    registers: [this.registry],
  });
  private readonly dials = this.tally('counter', 'dial_attempts_total', 'Nodes tried for a client handshake, by node', ['node']);
  private readonly rejections = this.counter('dial_rejections_total', 'Nodes that did not take a client, by node and reason', ['node', 'reason']);
  private readonly noNode = this.counter('no_node_accepted_total', 'Clients that every node turned away');
  private readonly localErrors = this.counter(
    'local_errors_total',
    'Times the router ran out of a local resource (EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL) at accept or dial',
  );
  private readonly failovers = this.counter('failovers_total', 'Times a different node became the active one');
  private readonly stateChanges = this.counter('node_state_changes_total', 'Node state changes, by node and new state', ['node', 'to']);
  private readonly heldGauge = new Gauge({
    name: `${PREFIX}held_connections`,
    help: 'Clients waiting for an active node now',
    registers: [this.registry],
  });
  private readonly checkLatency = new Histogram({
    name: `${PREFIX}health_check_duration_seconds`,
    help: 'Health-check latency, by node and result',
    labelNames: ['node', 'result'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  // With session.observe only; `method` is a TCLIService method name or 'other' (call-tracker.ts).
  private readonly thriftCalls = this.counter(
    'thrift_calls_total',
    'TCLIService calls seen in committed sessions, by method and outcome (ok, error, no-reply)',
    ['method', 'outcome'],
  );
  private readonly thriftCallDuration = new Histogram({
    name: `${PREFIX}thrift_call_duration_seconds`,
    help: 'TCLIService call time from the request passing the router to the reply passing it, by method',
    labelNames: ['method'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  // Node gauges are read from the cluster model at scrape time, reset first: nodes removed by a
  // reload must disappear, not stay at their last value.
  private readonly activeNode: Gauge<'node'> = new Gauge({
    name: `${PREFIX}active_node`,
    help: '1 for the node known to be active, 0 for the others',
    labelNames: ['node'],
    registers: [this.registry],
    collect: () => {
      this.activeNode.reset();
      for (const s of this.cluster?.all() ?? []) this.activeNode.set({ node: s.config.name }, s.state === 'active' ? 1 : 0);
    },
  });
  private readonly nodeState: Gauge<'node' | 'state'> = new Gauge({
    name: `${PREFIX}node_state`,
    help: '1 for the state each node is in now (active, passive, unknown, down)',
    labelNames: ['node', 'state'],
    registers: [this.registry],
    collect: () => {
      this.nodeState.reset();
      for (const s of this.cluster?.all() ?? []) {
        for (const state of NODE_STATES) this.nodeState.set({ node: s.config.name, state }, s.state === state ? 1 : 0);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Always 1; the labels give the livy-router and Node.js versions',
      labelNames: ['version', 'nodejs'],
      registers: [this.registry],
    }).set({ version: VERSION, nodejs: process.version }, 1);
  }

  /** Series at 0 for every listener from the start, so rate() and alerts see them before the first client. */
  declareListeners(listeners: readonly string[]): void {
    for (const listener of listeners) this.accepted.add(listener, '', 0);
    for (const limit of ['source', 'listener', 'descriptors'] as const) this.limitRefusals.inc({ limit }, 0);
  }

  /** Called after each change of the number of clients waiting for an active node. */
  onHeld(listener: (delta: 1 | -1) => void): () => void {
    this.heldListeners.add(listener);
    return () => this.heldListeners.delete(listener);
  }

  private tally(kind: 'counter' | 'gauge', name: string, help: string, labelNames: readonly [string] | readonly [string, string]): Tally {
    return new Tally(this.registry, kind, `${PREFIX}${name}`, help, labelNames);
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }

  /** Follows the cluster model: node gauges read it at scrape time; changes count failovers. */
  watch(cluster: ClusterState): () => void {
    this.cluster = cluster;
    this.lastActive = cluster.active()?.config.name;
    return cluster.onChange((change) => {
      const node = change.node.name;
      this.stateChanges.inc({ node, to: change.to });
      if (change.to !== 'active') return;
      if (this.lastActive !== undefined && this.lastActive !== node) this.failovers.inc();
      this.lastActive = node;
    });
  }

  /** The health monitor calls this after every check: it feeds the latency histogram (/status asks the monitor). */
  checkCompleted(report: CheckReport): void {
    this.checkLatency.observe({ node: report.node, result: report.result }, report.latencyMs / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  clientAccepted(listener: string): void {
    this.accepted.add(listener, '', 1);
  }

  clientRefused(): void {
    // The reason is free text (it names addresses and timeouts): logged, never a label.
    this.refused.inc();
  }

  limitRefused(kind: LimitKind): void {
    this.limitRefusals.inc({ limit: kind });
  }

  dialAttempt(node: string): void {
    this.dials.add(node, '', 1);
  }

  dialRejected(node: string, kind: RejectKind): void {
    this.rejections.inc({ node, reason: kind });
  }

  noNodeAccepted(): void {
    this.noNode.inc();
  }

  sessionOpened(node: string, transport: string): void {
    this.opened.add(node, transport, 1);
    this.open.add(node, transport, 1);
  }

  sessionClosed(s: SessionSummary): void {
    this.closed.add(s.node, s.transport, 1);
    this.open.add(s.node, s.transport, -1);
    this.bytesFromClient.add(s.node, s.transport, s.bytesFromClient);
    this.bytesToClient.add(s.node, s.transport, s.bytesToClient);
    this.duration.observe({ node: s.node }, s.durationMs / 1000);
  }

  held(delta: 1 | -1): void {
    this.heldNow += delta;
    this.heldGauge.set(this.heldNow);
    for (const listener of this.heldListeners) listener(delta);
  }

  localError(): void {
    this.localErrors.inc();
  }

  /** The connection is open on its new node now (sessionClosed will name that one). */
  readonly connectionMoved = (from: string, to: string, transport: string): void => {
    this.open.add(from, transport, -1);
    this.open.add(to, transport, 1);
  };
  private readonly resume = new ResumeMetrics(this.registry, this.connectionMoved);
  sessionResumed(r: ResumedSession): void {
    this.resume.resumed(r);
  }
  resumeFailed(reason: string): void {
    this.resume.failed(reason);
  }
  resumedSessionEnded(): void {
    this.resume.ended();
  }

  thriftCall(method: string, outcome: 'ok' | 'error' | 'no-reply', seconds: number | undefined): void {
    this.thriftCalls.inc({ method, outcome });
    if (seconds !== undefined) this.thriftCallDuration.observe({ method }, seconds);
  }
}
