import { readFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { ClouderaManagerConfig } from '../config/cloudera-manager-schema.js';
import { RouterError } from '../errors.js';
import { CmClient, CmError, type CmFailure } from './cm-client.js';
import { discoverLivyNodes } from './cm-discover.js';
import { diffLists, type DiscoveredNode, type ListChange } from './cm-roles.js';

export class CmSecretFileError extends RouterError {
  constructor(what: string, file: string, cause: NodeJS.ErrnoException | undefined) {
    super('LR_CM_SECRET_FILE', `cannot read the Cloudera Manager ${what} from ${file}: ${cause ? (cause.code ?? cause.message) : 'the file is empty'}`, {
      cause,
    });
  }
}

/** The password file's first line; the CA file whole. Read at start and at every reload. */
export function readCmSecrets(cm: ClouderaManagerConfig): { password: string; ca: string | undefined } {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new CmSecretFileError(what, file, err as NodeJS.ErrnoException);
    }
  };
  const password = read('password', cm.passwordFile).split('\n')[0]!.replace(/\r$/, '');
  if (!password) throw new CmSecretFileError('password', cm.passwordFile, undefined);
  return { password, ca: cm.caFile === undefined ? undefined : read('CA certificates', cm.caFile) };
}

export interface PollerDeps {
  readonly log: Logger;
  readonly nodeTransport: string;
  /** A new list that differs from the last one (the first list too), with one change per node. */
  readonly onList: (nodes: readonly DiscoveredNode[], changes: readonly ListChange[]) => void;
  readonly onFailure: (failure: CmFailure) => void;
}

export interface PollState {
  readonly nodes: readonly DiscoveredNode[] | undefined;
  /** Epoch ms of the last complete answer. */
  readonly goodAt: number | undefined;
  readonly lastPollAt: number | undefined;
  readonly failedPolls: number;
  readonly consecutiveFailures: number;
  readonly lastError: { code: string; message: string } | undefined;
}

/** The same failure again is logged at most this often; a different one at once. */
const WARN_AGAIN_MS = 10 * 60_000;
/** Without any list yet, CM is asked again this soon (capped by pollIntervalMs). */
const NO_LIST_RETRY_MS = 5000;

/**
 * Asks Cloudera Manager for the Livy roles every `pollIntervalMs` and reports a list that
 * changed. A failed poll (CM down, slow, refusing, answering nonsense) changes nothing: the last
 * good list stays, and the failure is logged once at warn (again only after WARN_AGAIN_MS, or
 * when the cause changes). One poll at a time; stop() cancels the timer and ends the sockets.
 */
export class ClouderaManagerPoller {
  private readonly client: CmClient;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private state: PollState = { nodes: undefined, goodAt: undefined, lastPollAt: undefined, failedPolls: 0, consecutiveFailures: 0, lastError: undefined };
  private lastWarn = { key: '', at: 0 };
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly config: ClouderaManagerConfig,
    secrets: { password: string; ca: string | undefined },
    private readonly deps: PollerDeps,
    /** A list kept from before (a reload replaced the poller): unchanged nodes are no change. */
    initial?: readonly DiscoveredNode[],
    initialAt?: number,
  ) {
    this.client = new CmClient({ url: config.url, user: config.user, password: secrets.password, ca: secrets.ca, timeoutMs: config.timeoutMs });
    if (initial) this.state = { ...this.state, nodes: initial, goodAt: initialAt };
  }

  status(): PollState {
    return this.state;
  }

  start(): void {
    this.schedule(0);
  }

  /** Resolves true once a list exists, false after `limitMs` without one. */
  async firstList(limitMs: number): Promise<boolean> {
    if (this.state.nodes) return true;
    let timer: NodeJS.Timeout | undefined;
    let done: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      done = resolve;
      this.waiting.add(resolve);
      timer = setTimeout(resolve, limitMs);
    });
    clearTimeout(timer);
    if (done) this.waiting.delete(done);
    return this.state.nodes !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const w of this.waiting) w();
    // Sockets first: a request in flight fails at once instead of running out timeoutMs.
    this.client.close();
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => (this.running = undefined));
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const at = Date.now();
    try {
      const found = await discoverLivyNodes(this.client, this.config, this.deps.nodeTransport);
      if (this.stopped) return;
      this.succeeded(found.nodes, found.verdicts);
    } catch (err) {
      if (this.stopped) return;
      this.failed(err);
    } finally {
      this.state = { ...this.state, lastPollAt: at };
    }
    const { pollIntervalMs } = this.config;
    this.schedule(this.state.nodes ? pollIntervalMs : Math.min(pollIntervalMs, NO_LIST_RETRY_MS));
  }

  private succeeded(nodes: readonly DiscoveredNode[], verdicts: Parameters<typeof diffLists>[2]): void {
    const { log } = this.deps;
    const before = this.state.nodes;
    if (this.state.consecutiveFailures > 0) {
      log.info(
        { failedPolls: this.state.consecutiveFailures, nodes: nodes.length },
        `Cloudera Manager answers again after ${this.state.consecutiveFailures} failed poll(s): the node list is current`,
      );
    }
    this.lastWarn = { key: '', at: 0 };
    this.state = { ...this.state, nodes, goodAt: Date.now(), consecutiveFailures: 0, lastError: undefined };
    for (const w of this.waiting) w();
    const changes = diffLists(before ?? [], nodes, verdicts);
    if (before && changes.length === 0) return;
    for (const c of changes) {
      log.info({ node: c.node, change: c.change, reason: c.reason, source: 'clouderaManager' }, `node list: ${c.node} ${c.change}: ${c.reason}`);
    }
    if (!before && nodes.length === 0) log.warn({ source: 'clouderaManager' }, 'Cloudera Manager lists no started, commissioned Livy server role');
    this.deps.onList(nodes, changes);
  }

  private failed(err: unknown): void {
    const e =
      err instanceof CmError
        ? err
        : new CmError('bad-answer', `reading the Livy roles failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.state = {
      ...this.state,
      failedPolls: this.state.failedPolls + 1,
      consecutiveFailures: this.state.consecutiveFailures + 1,
      lastError: { code: e.code, message: e.message },
    };
    this.deps.onFailure(e.failure);
    // Once per cause: a CM that goes down answers ECONNRESET, then ECONNREFUSED; one line says it.
    const key = e.failure;
    const now = Date.now();
    if (key === this.lastWarn.key && now - this.lastWarn.at < WARN_AGAIN_MS) return;
    this.lastWarn = { key, at: now };
    const kept = this.state.nodes;
    const ageS = this.state.goodAt === undefined ? null : Math.round((now - this.state.goodAt) / 1000);
    const keeping = kept ? `keeping the last good list (${kept.length} node(s), ${ageS} s old)` : 'no node list yet: the router is not ready';
    this.deps.log.warn(
      { code: e.code, cause: e.failure, detail: e.message, failedPolls: this.state.consecutiveFailures, listAgeS: ageS, source: 'clouderaManager' },
      `Cloudera Manager poll failed (${e.failure}): ${e.message}; ${keeping}`,
    );
  }
}
