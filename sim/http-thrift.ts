// Thrift over HTTP as a Livy Thrift server in HTTP mode serves it: every call is
// `POST /<httpPath>` with one unframed TBinaryProtocol message, answered 200 application/x-thrift.
// The server is never listening itself: the node hands it each accepted (maybe TLS) socket.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import thrift from 'thrift';
import type { Logger } from 'pino';
import type { TCLIProcessor } from './tcli.js';

/** Thrift's limit on one message (Livy: 100 MiB). */
const MAX_BODY_BYTES = 104_857_600;
/** Jetty's idle timeout in Livy: a client keeps one TCP connection for its whole session. */
const KEEP_ALIVE_MS = 1_800_000;
export const AUTH_COOKIE = 'hive.server2.auth';

/** How a passive node answers an HTTP Thrift call (styles that act on TCP are handled earlier). */
export type HttpPassiveAnswer = { style: 'http-307'; location: string | undefined } | { style: 'http-503' | 'http-502' | 'http-close' };

export interface HttpThriftOptions {
  httpPath: string;
  users: Readonly<Record<string, string>> | undefined;
  processor: TCLIProcessor;
  /** The passive answer for a request arriving now, or undefined when the node serves. */
  passiveAnswer(): HttpPassiveAnswer | undefined;
  /** True when this call gets 503 "busy" (an overloaded node, active or not). */
  busy(): boolean;
  /** Cookies this node issued; forgotten when the node restarts, as a real server's are. */
  cookies: Set<string>;
  gate(fn: () => void): void;
  logger: Logger;
}

export function createHttpThriftServer(opts: HttpThriftOptions): http.Server {
  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    opts.gate(() => handle(opts, req, res));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

function plain(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function handle(opts: HttpThriftOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.socket.destroyed) return;
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const expected = '/' + opts.httpPath.replace(/^\/+/, '');
  if (opts.busy()) {
    req.resume();
    req.once('end', () => plain(res, 503, 'Server busy, try again later\n'));
    return;
  }
  const passive = opts.passiveAnswer();
  if (passive) {
    // A passive node rejects before looking at the path or the credentials.
    // Read the request to its end first, so closing or answering never turns into a TCP reset.
    req.resume();
    req.once('end', () => opts.gate(() => answerPassive(passive, req, res)));
    return;
  }
  if (path !== expected) {
    req.resume();
    plain(res, 404, `no Thrift endpoint at ${path}\n`);
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    plain(res, 405, 'Thrift over HTTP needs POST\n', { allow: 'POST' });
    return;
  }
  const cookie = authenticate(opts, req);
  if (cookie === false) {
    req.resume();
    plain(res, 401, 'Unauthorized\n', { 'www-authenticate': 'Basic realm="livy"' });
    return;
  }
  readBody(req, (err, body) => {
    if (err || !body) {
      plain(res, 413, `${err?.message ?? 'no body'}\n`);
      return;
    }
    opts.gate(() => processCall(opts, body, res, cookie));
  });
}

function answerPassive(passive: HttpPassiveAnswer, req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (passive.style) {
    case 'http-307':
      if (passive.location === undefined) {
        plain(res, 503, 'Livy server is not active (follower); no active server known\n');
      } else {
        plain(res, 307, 'Livy server is not active (follower)\n', { location: passive.location });
      }
      return;
    case 'http-503':
      plain(res, 503, 'Livy server is not active (follower)\n');
      return;
    case 'http-502':
      plain(res, 502, 'Bad Gateway\n');
      return;
    case 'http-close':
      req.socket.destroy();
      return;
  }
}

/**
 * undefined: authenticated by a cookie this node issued (nothing to set);
 * a string: authenticated now, set this cookie; false: rejected.
 * HiveServer2 sets the cookie only after a password check: hive-driver appends every Set-Cookie it
 * sees to its Cookie header, so setting one on each reply would grow that header without end.
 */
function authenticate(opts: HttpThriftOptions, req: http.IncomingMessage): string | undefined | false {
  const cookies = (req.headers.cookie ?? '').split(';').map((part) => part.trim());
  for (const part of cookies) {
    if (part.startsWith(`${AUTH_COOKIE}=`) && opts.cookies.has(part.slice(AUTH_COOKIE.length + 1))) {
      return undefined;
    }
  }
  if (opts.users !== undefined) {
    const creds = basicCredentials(req.headers.authorization);
    if (!creds || opts.users[creds.user] !== creds.password) return false;
  }
  const token = randomBytes(16).toString('hex');
  opts.cookies.add(token);
  return token;
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(req: http.IncomingMessage, done: (err: Error | undefined, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES && !failed) {
      failed = true;
      done(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
    }
    if (!failed) chunks.push(chunk);
  });
  req.once('end', () => {
    if (!failed) done(undefined, Buffer.concat(chunks));
  });
}

function processCall(opts: HttpThriftOptions, body: Buffer, res: http.ServerResponse, cookie: string | undefined): void {
  const reply = (buf?: Buffer): void => {
    opts.gate(() => {
      if (res.writableEnded || res.destroyed) return;
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/x-thrift',
        'content-length': buf?.length ?? 0,
      };
      if (cookie !== undefined) headers['set-cookie'] = `${AUTH_COOKIE}=${cookie}; Path=/; HttpOnly`;
      res.writeHead(200, headers);
      res.end(buf);
    });
  };
  try {
    // TFramedTransport over a complete buffer is just a reader of that buffer.
    opts.processor.process(
      new thrift.TBinaryProtocol(new thrift.TFramedTransport(body), true, true),
      new thrift.TBinaryProtocol(new thrift.TBufferedTransport(undefined, reply)),
    );
  } catch (err) {
    opts.logger.debug({ err }, 'malformed Thrift request body');
    plain(res, 500, 'malformed Thrift message\n');
  }
}
