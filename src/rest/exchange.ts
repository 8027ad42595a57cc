import type http from 'node:http';
import type { Logger } from '../log.js';
import type { NodeConfig, RouterConfig } from '../config/schema.js';
import type { RestConfig } from '../config/rest-schema.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { answer, noActiveMessage, unknownOutcome } from './answers.js';
import { requestHeaders } from './forward-headers.js';
import { HeldBody } from './held-body.js';
import type { NodeAgents } from './node-agents.js';
import { tryNode, type Attempt, type AttemptOutcome } from './node-attempt.js';
import { redirectTarget } from './redirect-target.js';
import { streamAnswer } from './stream-answer.js';
import type { RestMetrics } from './rest-metrics.js';
import { waitForActive, type Waiting } from './wait-for-active.js';

export interface RestContext {
  config(): RouterConfig;
  /** The rest block now (a reload that drops it keeps the listener, with the block it started with). */
  rest(): RestConfig;
  readonly cluster: ClusterState;
  readonly agents: NodeAgents;
  /** Whether the checks can tell roles (then "no active node" means a failover is under way). */
  roleAware(): boolean;
  /** Asks the health checks to look at a node now. */
  checkNow(node: string): void;
  readonly metrics: RestMetrics;
  readonly log: Logger;
  readonly proto: 'http' | 'https';
}

/** Methods re-sent to the new active when the node was lost with the request in flight: they change nothing. */
const SAFE = new Set(['GET', 'HEAD']);
/** 307s followed for one request: a model that lags a failover needs one; more means nodes disagree. */
const MAX_REDIRECTS = 2;
/** Pause before trying again after a node refused the connection while the model still holds it active. */
const UNREACHABLE_RETRY_MS = 50;

/**
 * One REST request from arrival to its last answer byte: pick the active node (waiting up to holdMs
 * during a failover), send the request there unchanged, follow a lagging model's 307 itself when
 * the body is still held, re-send a GET or HEAD whose node was lost, and never re-send anything
 * else that may have reached a node. Once the node's status line is passed on, it is a stream.
 */
export class RestExchange {
  private readonly startedAt = Date.now();
  private readonly method: string;
  private readonly rest: RestConfig;
  private body: HeldBody | undefined;
  private waiting: Waiting | undefined;
  /** Stops watching the node whose answer is streamed. */
  private unwatch: (() => void) | undefined;
  /** Ends the pause between tries now. */
  private pause: (() => void) | undefined;
  private attempt: Attempt | undefined;
  /** The node request whose answer is being streamed to the client. */
  private committed: http.ClientRequest | undefined;
  private node: string | undefined;
  private attempts = 0;
  /** The client left, or the body broke a limit: nothing more is tried. */
  private over = false;
  private finished = false;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly ctx: RestContext,
    private readonly clientAddress: string,
    private readonly onDone: () => void,
  ) {
    this.method = req.method ?? 'GET';
    this.rest = ctx.rest();
    res.once('close', this.onClose);
  }

  async run(): Promise<void> {
    const declared = Number(this.req.headers['content-length'] ?? 0);
    if (this.rest.maxBodyBytes > 0 && declared > this.rest.maxBodyBytes) {
      return answer(this.res, 413, 'body_too_large', `request body of ${declared} bytes is over rest.maxBodyBytes (${this.rest.maxBodyBytes})`, true);
    }
    this.body = new HeldBody(this.req, this.rest.maxReplayBodyBytes, this.rest.maxBodyBytes, () => this.tooLarge());
    // A body that fits the replay copy is read whole before any node is asked: a client trickling
    // it holds a socket here (bounded by requestTimeoutMs), never a connection to Livy.
    if (declared > 0 && declared <= this.rest.maxReplayBodyBytes) {
      this.body.detach();
      await this.body.whenComplete();
      if (this.over) return;
    }
    const deadline = Date.now() + this.ctx.config().holdMs;
    let target: { node: NodeConfig; path: string } | undefined;
    let redirects = 0;
    let lastFailure: string | undefined;
    /** Nodes that refused the connection: without role-aware checks the next one is tried. */
    const refused = new Set<string>();
    while (!this.over) {
      let node = target?.node;
      const path = target?.path ?? this.req.url ?? '/';
      target = undefined;
      if (!node) {
        this.waiting = waitForActive(this.ctx.cluster, this.ctx.roleAware(), deadline, refused);
        node = (await this.waiting.node)?.config;
        this.waiting = undefined;
        if (this.over) return;
        if (!node) return this.noActive(lastFailure);
      }
      const out = await this.tryOn(node, path);
      if (this.over) return;
      if (out.kind === 'response') {
        const next =
          out.res.statusCode === 307 && redirects < MAX_REDIRECTS
            ? redirectTarget(out.res.headers.location, this.ctx.config().nodes, this.ctx.agents.scheme)
            : undefined;
        if (next && next.node.name !== node.name && (await this.canResend(out))) {
          redirects++;
          this.ctx.metrics.resent('redirect');
          // The model lagged a failover: have the checks look at both nodes now.
          this.ctx.checkNow(node.name);
          this.ctx.checkNow(next.node.name);
          target = next;
          continue;
        }
        this.committed = out.up;
        return streamAnswer(out.res, this.res);
      }
      if (out.kind === 'timeout') return this.failed(504, 'node_timeout', `${out.reason}: ${unknownOutcome(this.method)}`);
      if (out.kind === 'body-unsendable')
        return this.failed(502, 'node_failed', `${lastFailure ?? 'the node failed'}; the request body was too large to send again`);
      lastFailure = out.reason;
      this.ctx.checkNow(node.name);
      if (out.kind === 'lost' && !SAFE.has(this.method)) {
        return this.failed(502, 'outcome_unknown', `node ${node.name} was lost with the request in flight (${out.reason}): ${unknownOutcome(this.method)}`);
      }
      this.ctx.metrics.resent(out.kind === 'lost' ? 'node-lost' : 'unreachable');
      if (Date.now() >= deadline) return this.noActive(lastFailure);
      if (out.kind !== 'unreachable') continue;
      refused.add(node.name);
      if (refused.size >= this.ctx.config().nodes.length) refused.clear();
      await this.sleep(UNREACHABLE_RETRY_MS);
    }
  }

  /** A pause the exchange can cut short (stopWaiting), so no timer outlives it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pause = done;
    });
  }

  private stopWaiting(reason: string): void {
    this.over = true;
    this.waiting?.cancel();
    this.pause?.();
    this.attempt?.abort(reason);
  }

  /** Ends everything this exchange started (the router is closing): the client gets no more bytes. */
  abort(): void {
    this.stopWaiting('router shutting down');
    if (!this.res.headersSent) answer(this.res, 503, 'shutting_down', 'the router is shutting down', true);
    else this.res.destroy();
  }

  private async tryOn(node: NodeConfig, path: string): Promise<AttemptOutcome> {
    this.node = node.name;
    this.attempts++;
    const attempt = tryNode({
      node,
      agent: this.ctx.agents.for(node),
      tls: this.ctx.agents.scheme === 'https',
      method: this.method,
      path,
      headers: requestHeaders(this.req, this.clientAddress, this.ctx.proto),
      body: this.body!,
      connectTimeoutMs: this.ctx.config().connectTimeoutMs,
      idleTimeoutMs: this.rest.idleTimeoutMs,
    });
    this.attempt = attempt;
    // The checks see a hung or demoted active first: before the answer the request is lost; during it the client is cut (onActiveLost=close).
    const stop = this.ctx.cluster.onChange((c) => {
      if (c.node.name !== node.name || c.from !== 'active' || c.to === 'active') return;
      if (this.attempt === attempt || this.ctx.config().onActiveLost === 'close') attempt.abort(`node ${node.name} no longer active: ${c.reason}`);
    });
    this.unwatch = stop;
    const out = await attempt.outcome;
    this.attempt = undefined;
    if (out.kind !== 'response') {
      stop();
      this.body!.detach();
    }
    return out;
  }

  /** After a 307: whether the request can go to the Location node (its body whole in memory). */
  private async canResend(out: Extract<AttemptOutcome, { kind: 'response' }>): Promise<boolean> {
    const body = this.body!;
    body.detach();
    if (!(await body.whenComplete()) || this.over) {
      out.res.resume();
      return false;
    }
    this.unwatch?.();
    // A node that answered before reading the whole body keeps a half-sent request: drop that socket.
    if (out.up.writableFinished) out.res.resume();
    else out.up.destroy();
    return true;
  }

  private noActive(lastFailure: string | undefined): void {
    this.failed(503, 'no_active_node', noActiveMessage(this.ctx.config().holdMs, lastFailure));
  }

  private failed(status: number, code: Parameters<typeof answer>[2], message: string): void {
    // Connection: close when the client may still be sending a body no one will read.
    answer(this.res, status, code, message, !this.req.complete);
    // A call whose effect on Livy nobody knows is what a person may have to look at.
    if (code === 'outcome_unknown' || code === 'node_timeout') {
      this.ctx.log.warn({ method: this.method, path: (this.req.url ?? '/').split('?')[0], node: this.node, code }, `REST request failed: ${message}`);
    }
  }

  private tooLarge(): void {
    this.stopWaiting('request body too large');
    if (!this.res.headersSent) answer(this.res, 413, 'body_too_large', `request body over rest.maxBodyBytes (${this.rest.maxBodyBytes})`, true);
    else this.res.destroy();
  }

  private readonly onClose = (): void => {
    if (this.finished) return;
    this.finished = true;
    if (!this.res.writableFinished) {
      this.stopWaiting('client went away');
      this.committed?.destroy();
    }
    this.body?.release();
    this.unwatch?.();
    const status = this.res.headersSent ? this.res.statusCode : undefined;
    const durationMs = Date.now() - this.startedAt;
    this.ctx.metrics.done(this.method, this.res.writableFinished ? status : undefined, durationMs / 1000);
    // The path without its query; never a header (Authorization stays out of every line).
    if (!this.ctx.log.isLevelEnabled('debug')) return this.onDone();
    const fields = { method: this.method, path: (this.req.url ?? '/').split('?')[0], status: status ?? null, node: this.node ?? null, durationMs };
    this.ctx.log.debug({ ...fields, attempts: this.attempts, complete: this.res.writableFinished }, 'request done');
    this.onDone();
  };
}
