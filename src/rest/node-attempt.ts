import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { NodeConfig } from '../config/schema.js';
import type { HeldBody } from './held-body.js';

/**
 * How one try on one node ended before its answer was committed to the client:
 * - `response`: the node answered (status and headers read; the body not yet);
 * - `unreachable`: nothing reached the node (connect refused or timed out, TLS failed): safe to send elsewhere;
 * - `lost`: the request (or part of it) reached the node and no answer came: reset, or the model lost the node;
 * - `timeout`: the node said nothing for idleTimeoutMs;
 * - `body-unsendable`: the body was read and not held, so this node cannot be given it.
 */
export type AttemptOutcome =
  | { readonly kind: 'response'; readonly up: http.ClientRequest; readonly res: http.IncomingMessage }
  | { readonly kind: 'unreachable' | 'lost' | 'timeout'; readonly reason: string }
  | { readonly kind: 'body-unsendable' };

export interface AttemptOptions {
  readonly node: NodeConfig;
  readonly agent: http.Agent;
  readonly tls: boolean;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: HeldBody;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export interface Attempt {
  readonly outcome: Promise<AttemptOutcome>;
  /** Ends the try before an answer: `lost` (the model lost the node) or the client left. */
  abort(reason: string): void;
}

/** One request to one node's REST port, with a connect timeout and an idle timeout. */
export function tryNode(o: AttemptOptions): Attempt {
  const up = (o.tls ? https : http).request({
    host: o.node.host,
    port: o.node.restPort,
    method: o.method,
    path: o.path,
    headers: o.headers,
    agent: o.agent,
    ...(o.tls ? { servername: o.node.host } : {}),
  });
  let connected = false;
  let settle: (out: AttemptOutcome) => void = () => {};
  let connectTimer: NodeJS.Timeout | undefined;
  const outcome = new Promise<AttemptOutcome>((resolve) => {
    settle = (out) => {
      settle = () => {};
      clearTimeout(connectTimer);
      up.off('response', onResponse);
      resolve(out);
    };
  });
  const onResponse = (res: http.IncomingMessage): void => settle({ kind: 'response', up, res });
  const fail = (err: Error & { code?: string }): void => {
    const reason = `${err.code ?? err.message} (node ${o.node.name} ${o.node.host}:${o.node.restPort})`;
    settle({ kind: connected ? 'lost' : 'unreachable', reason });
  };
  up.on('error', fail);
  up.on('response', onResponse);
  up.on('socket', (socket: net.Socket) => {
    const ready = (): void => {
      connected = true;
      clearTimeout(connectTimer);
    };
    if (!socket.connecting) return ready();
    connectTimer = setTimeout(
      () => up.destroy(Object.assign(new Error(`connect timeout after ${o.connectTimeoutMs} ms`), { code: 'CONNECT_TIMEOUT' })),
      o.connectTimeoutMs,
    );
    socket.once(o.tls ? 'secureConnect' : 'connect', ready);
  });
  up.setTimeout(o.idleTimeoutMs, () => {
    settle({ kind: 'timeout', reason: `no answer from node ${o.node.name} within ${o.idleTimeoutMs} ms` });
    up.destroy();
  });
  if (!o.body.sendTo(up)) {
    up.destroy();
    settle({ kind: 'body-unsendable' });
  }
  return {
    outcome,
    abort: (reason) => {
      settle({ kind: 'lost', reason });
      up.destroy();
    },
  };
}
