// One simulated Livy server: a Thrift port (binary or HTTP, maybe TLS) and a REST port, a role
// (leader or follower), and the failures a test needs: kill, restart on the same ports, hang.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex, PassThrough } from 'node:stream';
import { pino, type Logger } from 'pino';
import { serveBinary } from './binary-conn.js';
import { createHttpThriftServer, type HttpPassiveAnswer } from './http-thrift.js';
import { resolveNodeOptions, type PassiveStyle, type ResolvedNodeOptions, type SimNodeOptions } from './options.js';
import { createRestServer, type SimRole } from './rest.js';
import { PASSIVE_SASL_MESSAGE } from './sasl.js';
import { SimService, type ServiceCounters } from './service.js';
import { createProcessor } from './tcli.js';
import { ReplyDelays } from './delays.js';
import { CallGauge } from './call-gauge.js';
import { createLivyStore } from './livy-store.js';

export type { SimRole } from './rest.js';

export interface SimNodeStats {
  /** TCP connections open on the Thrift port now. */
  openConnections: number;
  /** TCP connections accepted on the Thrift port since start (or resetStats). */
  connectionsAccepted: number;
  /** Sessions alive in this node's memory now. */
  openSessions: number;
  sessionsOpened: number;
  openSessionCalls: number;
  getInfoCalls: number;
  executeCalls: number;
  fetchCalls: number;
  writeCalls: number;
  applicationsStopped: number;
  restRequests: number;
  haStatusRequests: number;
  /** Binary SASL PLAIN logins by user name: accepted and refused (a wrong or unknown user). */
  logins: Record<string, { accepted: number; refused: number }>;
  /** Method -> the most calls of it answered at once (reply delays included; call-gauge.ts). */
  peakCalls: Record<string, number>;
}

type Lifecycle = 'new' | 'up' | 'down' | 'closed';

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Resolves once the listening handle and every connection the server counted are gone. */
function closeServer(server: net.Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function zeroCounters(): ServiceCounters & { connectionsAccepted: number; restRequests: number; haStatusRequests: number } {
  return {
    connectionsAccepted: 0,
    openSessionCalls: 0,
    sessionsOpened: 0,
    getInfoCalls: 0,
    executeCalls: 0,
    fetchCalls: 0,
    writeCalls: 0,
    applicationsStopped: 0,
    restRequests: 0,
    haStatusRequests: 0,
  };
}

export class SimNode {
  readonly name: string;
  readonly host: string;
  readonly options: ResolvedNodeOptions;
  private readonly logger: Logger;
  private thriftPortValue: number;
  private restPortValue: number;
  private roleValue: SimRole = 'follower';
  private leaderRest: string | undefined;
  private leaderThriftBase: string | undefined;
  private lifecycle: Lifecycle = 'new';
  /** Lifecycle steps (start, kill, restart, listener changes) run one after the other. */
  private steps: Promise<void> = Promise.resolve();

  private thriftServer: net.Server | undefined;
  private restServer: net.Server | undefined;
  private readonly restHttp: http.Server;
  private readonly httpThrift: http.Server | undefined;
  private readonly secureContext: tls.SecureContext | undefined;
  private readonly service: SimService;
  /** The reply-delay switch (delayReplies(), REST /_sim/delay, --delay-reply). */
  readonly delays: ReplyDelays;
  private readonly cookies = new Set<string>();
  private readonly counters = zeroCounters();
  private logins: Record<string, { accepted: number; refused: number }> = {};
  private readonly gauge = new CallGauge();

  /** Every socket this node holds, raw and TLS, on both ports. */
  private readonly sockets = new Set<net.Socket>();
  /** Raw sockets accepted on the Thrift port. */
  private readonly thriftSockets = new Set<net.Socket>();
  /** Sockets whose bytes the node reads itself: paused while hung. */
  private readonly readers = new Set<net.Socket>();
  private frozen = false;
  private frozenQueue: (() => void)[] = [];
  /** refuseThriftFor(): the Thrift port stays closed until this epoch ms. */
  private thriftRefusedUntil = 0;
  private refuseTimer: NodeJS.Timeout | undefined;
  /** busyFor(): HTTP calls still to answer 503 "busy", as an overloaded active does. */
  private busyAnswers = 0;

  constructor(options: SimNodeOptions, logger?: Logger) {
    this.options = resolveNodeOptions(options);
    this.name = this.options.name;
    this.host = this.options.host;
    this.thriftPortValue = this.options.thriftPort;
    this.restPortValue = this.options.restPort;
    this.logger = (logger ?? pino({ level: 'silent' })).child({ node: this.name });
    const gate = (fn: () => void): void => this.gate(fn);
    this.delays = new ReplyDelays(this.options.delayReplies);
    this.service = new SimService(
      {
        name: this.name,
        isLeader: () => this.roleValue === 'leader',
        counters: this.counters,
        store: createLivyStore(this.options.stateDir),
        delays: this.delays,
        gauge: this.gauge,
        passiveWords: (m: string) => this.passiveWords(m),
      },
      this.logger,
    );
    const processor = createProcessor(this.service.handler);
    this.secureContext = this.options.tls ? tls.createSecureContext({ key: this.options.tls.key, cert: this.options.tls.cert }) : undefined;
    this.httpThrift =
      this.options.transport === 'http'
        ? createHttpThriftServer({
            httpPath: this.options.httpPath,
            users: this.options.users,
            processor,
            passiveAnswer: () => this.httpPassiveAnswer(),
            busy: () => this.busyAnswers > 0 && this.busyAnswers-- > 0,
            cookies: this.cookies,
            gate,
            logger: this.logger,
          })
        : undefined;
    this.restHttp = createRestServer(
      {
        name: this.name,
        role: () => this.roleValue,
        leaderRestUrl: () => this.leaderRest,
        setRole: (role, leaderRestUrl, leaderThriftUrl) => this.setRole(role, leaderRestUrl, leaderThriftUrl),
        delayReplies: (method, ms) => this.delays.set(method, ms),
        stats: () => this.stats,
        forgetCookies: () => this.cookies.clear(),
        refuseThriftFor: (ms) => this.refuseThriftFor(ms),
        busyFor: (calls) => this.busyFor(calls),
        dropConnections: () => this.gate(() => this.thriftSockets.forEach((s) => s.resetAndDestroy())),
        gate,
        restCounters: this.counters,
      },
      this.logger,
    );
    // Keep a client's REST keep-alive connection as long as Livy's Jetty would.
    this.restHttp.keepAliveTimeout = 60_000;
  }

  /** Bound port; after the first start it stays the same across kill/restart. */
  get thriftPort(): number {
    return this.thriftPortValue;
  }

  get restPort(): number {
    return this.restPortValue;
  }

  get role(): SimRole {
    return this.roleValue;
  }

  /** false after kill() (until restart()) and after close(). */
  get alive(): boolean {
    return this.lifecycle === 'up';
  }

  get hung(): boolean {
    return this.frozen;
  }

  get restUrl(): string {
    return `http://${urlHost(this.host)}:${this.restPortValue}`;
  }

  /** `http(s)://host:thriftPort`: the HTTP-mode Thrift endpoint is this plus `/<httpPath>`. */
  get thriftBaseUrl(): string {
    return `${this.options.tls ? 'https' : 'http'}://${urlHost(this.host)}:${this.thriftPortValue}`;
  }

  /** The leader's REST URL as this node knows it (its own when leader). */
  get leaderRestUrl(): string | undefined {
    return this.leaderRest;
  }

  get stats(): SimNodeStats {
    return {
      openConnections: this.thriftSockets.size,
      openSessions: this.service.openSessions,
      ...this.counters,
      logins: structuredClone(this.logins),
      peakCalls: this.gauge.peaks(),
    };
  }

  resetStats(): void {
    Object.assign(this.counters, zeroCounters());
    this.logins = {};
    this.gauge.reset();
  }

  /** Bind both ports (the first time: learn the ephemeral ports). */
  start(): Promise<void> {
    return this.step(() => this.bind());
  }

  /** Resolves when every role change and lifecycle step asked for so far has taken effect. */
  settled(): Promise<void> {
    return this.steps;
  }

  /**
   * A leader that becomes follower drops its Thrift connections and sessions unless
   * keepConnectionsOnDemote; a 'refuse' follower closes its Thrift port (reopened, same port, on
   * promotion: settled() tells when); on a hung node these wait for unhang(). leaderThriftUrl (`http://host:port`) is only used for an
   * 'http-307' Location; by default it is the leader's REST host with this node's Thrift port.
   */
  setRole(role: SimRole, leaderRestUrl?: string, leaderThriftUrl?: string): void {
    const demoted = this.roleValue === 'leader' && role === 'follower';
    this.roleValue = role;
    if (role === 'leader') {
      this.leaderRest = this.restUrl;
      this.leaderThriftBase = this.thriftBaseUrl;
    } else {
      this.leaderRest = leaderRestUrl;
      this.leaderThriftBase = leaderThriftUrl ?? this.guessLeaderThrift(leaderRestUrl);
    }
    this.logger.info({ role, leader: this.leaderRest }, 'role changed');
    // A hung process cannot close anything: what the new role does to sockets waits for unhang().
    this.gate(() => {
      if (demoted && !this.options.keepConnectionsOnDemote) {
        for (const socket of this.thriftSockets) socket.destroy();
        this.service.reset();
        this.cookies.clear();
      }
      this.step(() => this.syncThriftListener()).catch(() => {
        // step() has logged it; a role change has no caller to report to.
      });
    });
  }

  /**
   * The Thrift port refuses connections for `ms` (a listen backlog overflow, a restart of the
   * Thrift service alone): open connections and the REST port, whatever the role, stay as they are.
   */
  refuseThriftFor(ms: number): Promise<void> {
    this.thriftRefusedUntil = Date.now() + ms;
    clearTimeout(this.refuseTimer);
    // The timer ends the refusal itself: it may fire a millisecond before Date.now() reaches the
    // deadline, and a check of the clock then would leave the port closed for good.
    this.refuseTimer = setTimeout(() => {
      this.thriftRefusedUntil = 0;
      void this.step(() => this.syncThriftListener());
    }, ms);
    return this.step(() => this.syncThriftListener());
  }

  /** The next `calls` HTTP Thrift calls are answered 503 "busy" (overload), whatever the role. */
  /** Every later reply of `method` comes `ms` late; 0 answers at once again. */
  delayReplies(method: string, ms: number): void {
    this.delays.set(method, ms);
  }

  busyFor(calls: number): void {
    this.busyAnswers = calls;
  }

  /** Like kill -9: both listeners closed, every connection destroyed, all sessions forgotten. */
  kill(): Promise<void> {
    return this.step(() => this.unbind());
  }

  /** A fresh process on the same ports, with the role it had. Kills first if still running. */
  restart(): Promise<void> {
    return this.step(async () => {
      await this.unbind();
      await this.bind();
    });
  }

  /**
   * Like SIGSTOP: the kernel still accepts connections on both ports, but nothing is read or
   * answered, and replies already computed are held back until unhang().
   */
  hang(): void {
    if (this.frozen || this.lifecycle !== 'up') return;
    this.frozen = true;
    for (const socket of this.readers) socket.pause();
    this.logger.info('hung');
  }

  /** Like SIGCONT: everything held back runs, in order. */
  unhang(): void {
    if (!this.frozen) return;
    this.frozen = false;
    for (const socket of this.readers) if (!socket.destroyed) socket.resume();
    while (!this.frozen && this.frozenQueue.length > 0) this.frozenQueue.shift()?.();
    this.logger.info('unhung');
  }

  /** kill() for good: nothing of this node stays open. Idempotent. */
  close(): Promise<void> {
    return this.step(async () => {
      await this.unbind();
      this.lifecycle = 'closed';
    });
  }

  private step(op: () => Promise<void>): Promise<void> {
    const run = this.steps.then(op);
    this.steps = run.catch((err: unknown) => {
      this.logger.error({ err }, 'sim node lifecycle step failed');
    });
    return run;
  }

  private gate(fn: () => void): void {
    if (this.frozen) this.frozenQueue.push(fn);
    else fn();
  }

  private guessLeaderThrift(leaderRestUrl: string | undefined): string | undefined {
    if (leaderRestUrl === undefined) return undefined;
    try {
      const url = new URL(leaderRestUrl);
      return `${this.options.tls ? 'https' : 'http'}://${url.hostname}:${this.thriftPortValue}`;
    } catch {
      return undefined;
    }
  }

  private wantsThriftListener(): boolean {
    if (Date.now() < this.thriftRefusedUntil) return false;
    return this.lifecycle === 'up' && !(this.roleValue === 'follower' && this.options.passiveStyle === 'refuse');
  }

  private async bind(): Promise<void> {
    if (this.lifecycle === 'up') return;
    if (this.lifecycle === 'closed') throw new Error(`sim node ${this.name} is closed`);
    const rest = net.createServer({ pauseOnConnect: true }, (socket) => this.acceptRest(socket));
    this.restPortValue = await listen(rest, this.restPortValue, this.host);
    rest.on('error', (err) => this.logger.warn({ err }, 'REST listener error'));
    this.restServer = rest;
    this.lifecycle = 'up';
    try {
      // The first start binds even a 'refuse' follower once, to learn its ephemeral port.
      if (this.wantsThriftListener() || this.thriftPortValue === 0) await this.openThrift();
      await this.syncThriftListener();
    } catch (err) {
      await this.unbind();
      throw err;
    }
    this.logger.info({ thriftPort: this.thriftPortValue, restPort: this.restPortValue }, 'listening');
  }

  private async unbind(): Promise<void> {
    clearTimeout(this.refuseTimer);
    if (this.lifecycle !== 'up') return;
    this.lifecycle = 'down';
    this.frozen = false;
    this.frozenQueue = [];
    const servers = [this.thriftServer, this.restServer];
    this.thriftServer = undefined;
    this.restServer = undefined;
    const closing = servers.map((server) => (server ? closeServer(server) : Promise.resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.service.reset();
    this.cookies.clear();
    await Promise.all(closing);
    this.logger.info('down');
  }

  private async syncThriftListener(): Promise<void> {
    const want = this.wantsThriftListener();
    if (want && !this.thriftServer) {
      await this.openThrift();
    } else if (!want && this.thriftServer) {
      const server = this.thriftServer;
      this.thriftServer = undefined;
      // The port is free as soon as close() returns; connections kept open end on their own.
      server.close();
      this.logger.debug('Thrift port closed (passive style refuse)');
    }
  }

  private async openThrift(): Promise<void> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => this.acceptThrift(socket));
    this.thriftServer = server;
    try {
      this.thriftPortValue = await listen(server, this.thriftPortValue, this.host);
    } catch (err) {
      this.thriftServer = undefined;
      throw err;
    }
    server.on('error', (err) => this.logger.warn({ err }, 'Thrift listener error'));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.readers.delete(socket);
    });
  }

  private acceptRest(raw: net.Socket): void {
    raw.on('error', (err) => this.logger.debug({ err }, 'REST socket error'));
    this.track(raw);
    this.gate(() => {
      if (raw.destroyed) return;
      this.restHttp.emit('connection', raw);
      raw.resume();
    });
  }

  private acceptThrift(raw: net.Socket): void {
    raw.on('error', (err) => this.logger.debug({ err }, 'Thrift socket error'));
    this.track(raw);
    this.thriftSockets.add(raw);
    raw.once('close', () => this.thriftSockets.delete(raw));
    this.counters.connectionsAccepted += 1;
    // Accepted with pauseOnConnect: while hung, nothing is read until unhang() dispatches it.
    this.gate(() => this.dispatchThrift(raw));
  }

  private dispatchThrift(raw: net.Socket): void {
    if (raw.destroyed) return;
    const style = this.roleValue === 'follower' ? this.options.passiveStyle : undefined;
    switch (style) {
      case 'refuse':
        // Only in the instant between a demotion and the listener closing.
        raw.destroy();
        return;
      case 'reset':
        raw.resetAndDestroy();
        return;
      case 'hang':
        return;
      case 'close':
        raw.on('data', () => {
          if (raw.writable) raw.end();
        });
        raw.resume();
        return;
      default:
        break;
    }
    if (this.secureContext && this.options.tls?.optional) {
      raw.once('data', (first: Buffer) => {
        raw.pause();
        if (first[0] !== 0x16) {
          raw.unshift(first);
          this.serveThrift(raw, false, style);
          return;
        }
        // A TLSSocket over a net.Socket reads from its handle, not from what was unshifted: give it
        // a stream that starts with the bytes already read.
        const incoming = new PassThrough();
        incoming.write(first);
        raw.pipe(incoming);
        const tlsSocket = this.wrapTls(Duplex.from({ readable: incoming, writable: raw }));
        raw.on('close', () => tlsSocket.destroy());
        this.serveThrift(raw, false, style, tlsSocket);
      });
      raw.resume();
      return;
    }
    this.serveThrift(raw, this.secureContext !== undefined, style);
  }

  private serveThrift(raw: net.Socket, useTls: boolean, style: PassiveStyle | undefined, secured?: tls.TLSSocket): void {
    const socket = secured ?? (useTls ? this.wrapTls(raw) : raw);
    if (this.httpThrift) {
      this.httpThrift.emit('connection', socket);
    } else {
      this.readers.add(socket);
      const passiveReject = style === 'sasl-bad' || style === 'sasl-error' ? style : undefined;
      // Each binary connection owns its sessions: they close when it drops (as a hung process,
      // only once it runs again).
      const connection = {};
      socket.once('close', () => this.gate(() => this.service.connectionClosed(connection)));
      serveBinary(socket, {
        auth: this.options.auth,
        users: this.options.users,
        processor: createProcessor(this.service.handlerFor(connection)),
        passiveReject,
        passiveMessage: this.passiveWords(PASSIVE_SASL_MESSAGE),
        onLogin: (user, accepted) => {
          const count = (this.logins[user] ??= { accepted: 0, refused: 0 });
          if (accepted) count.accepted += 1;
          else count.refused += 1;
        },
        gate: (fn) => this.gate(fn),
        logger: this.logger,
      });
    }
    socket.resume();
    if (socket !== raw) raw.resume();
  }

  private wrapTls(raw: net.Socket | Duplex): tls.TLSSocket {
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: this.secureContext });
    socket.on('error', (err) => this.logger.debug({ err }, 'TLS socket error'));
    this.track(socket);
    return socket;
  }

  /** A passive's refusal, naming this node when passiveNamesItself is set. */
  private passiveWords(message: string): string {
    return this.options.passiveNamesItself ? `${message}: node ${this.name} at ${this.host}:${this.thriftPortValue}` : message;
  }

  private httpPassiveAnswer(): HttpPassiveAnswer | undefined {
    if (this.roleValue === 'leader') return undefined;
    const style = this.options.passiveStyle;
    if (style === 'http-307') {
      const location = this.leaderThriftBase === undefined ? undefined : `${this.leaderThriftBase}/${this.options.httpPath}`;
      return { style, location };
    }
    if (style === 'http-503' || style === 'http-502' || style === 'http-close') return { style };
    return undefined;
  }
}

export interface StartSimNodeInit {
  role?: SimRole;
  leaderRestUrl?: string;
  leaderThriftUrl?: string;
  logger?: Logger;
}

/** Create a node, bind its ports, give it its role; resolves when it is serving. */
export async function startSimNode(options: SimNodeOptions, init: StartSimNodeInit = {}): Promise<SimNode> {
  const node = new SimNode(options, init.logger);
  await node.start();
  node.setRole(init.role ?? 'follower', init.leaderRestUrl, init.leaderThriftUrl);
  await node.settled();
  return node;
}
