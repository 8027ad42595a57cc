import http from 'node:http';
import https from 'node:https';
import { RouterError } from '../errors.js';

/**
 * Why a request to Cloudera Manager failed; `code` is stable (a metric label, a log key) and the
 * message holds the facts. Never the password nor the Authorization header.
 */
export type CmFailure = 'unreachable' | 'tls' | 'timeout' | 'unauthorized' | 'http-error' | 'bad-answer' | 'not-found';

/** OpenSSL's verdicts on a certificate (Node's err.code), and Node's own for a name mismatch. */
const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

export class CmError extends RouterError {
  constructor(
    readonly failure: CmFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`LR_CM_${failure.toUpperCase().replace('-', '_')}`, message, options);
  }
}

export interface CmClientOptions {
  /** `https://cm.example.com:7183`, possibly with a path prefix (a proxy). */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** PEM CAs to trust instead of the system's. */
  readonly ca?: string;
  /** The whole request, connect to last byte. */
  readonly timeoutMs: number;
}

/** CM answers are small (a few KiB per role); anything past this is not an API answer. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * A small read-only client for the CM REST API: Basic auth on the first request, then the session
 * cookie CM sets (as cm_api's ApiResource does), falling back to Basic once when the session
 * expired. node:http(s) with one keep-alive agent: a poll is a handful of GETs every minute, so a
 * pooled HTTP library would add nothing but a dependency. close() ends the agent's sockets.
 */
export class CmClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly basic: string;
  private cookie: string | undefined;

  constructor(private readonly opts: CmClientOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    const secure = this.base.protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 2, ...(opts.ca ? { ca: opts.ca } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.basic = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  }

  /** Where requests go, for messages: never with credentials (the schema refuses them in the URL). */
  get origin(): string {
    return this.base.href.replace(/\/$/, '');
  }

  /** GET `path` (relative to the base URL, e.g. `api/v54/clusters`) and parse it as JSON. */
  async getJson(path: string): Promise<unknown> {
    const text = await this.getText(path);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new CmError('bad-answer', `Cloudera Manager answered ${path} with something that is not JSON: ${JSON.stringify(text.slice(0, 60))}`, {
        cause: err,
      });
    }
  }

  async getText(path: string): Promise<string> {
    const withCookie = this.cookie !== undefined;
    const answer = await this.request(path, withCookie);
    // An expired or forgotten session: log in again once with Basic.
    if (answer.status === 401 && withCookie) {
      this.cookie = undefined;
      return this.check(path, await this.request(path, false));
    }
    return this.check(path, answer);
  }

  close(): void {
    this.agent.destroy();
  }

  private check(path: string, answer: { status: number; body: string }): string {
    const { status, body } = answer;
    if (status === 200) return body;
    if (status === 401 || status === 403) {
      throw new CmError(
        'unauthorized',
        `Cloudera Manager refused user ${this.opts.user} on ${path}: HTTP ${status} (wrong user or password, or no read access)`,
      );
    }
    if (status === 404) throw new CmError('not-found', `Cloudera Manager has no ${path}: HTTP 404`);
    throw new CmError('http-error', `Cloudera Manager answered ${path} with HTTP ${status}: ${JSON.stringify(body.slice(0, 80))}`);
  }

  private request(path: string, withCookie: boolean): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.base);
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (withCookie && this.cookie) headers.cookie = this.cookie;
    else headers.authorization = this.basic;
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'GET', headers, agent: this.agent });
      const timer = setTimeout(
        () => req.destroy(new CmError('timeout', `Cloudera Manager did not answer ${path} within ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (err instanceof CmError) return reject(err);
        if (CERT_ERROR.test(err.code ?? '')) {
          const fix = this.opts.ca ? 'clouderaManager.caFile does not hold the CA that signed it' : 'set clouderaManager.caFile to the CA that signed it';
          return reject(new CmError('tls', `Cloudera Manager's certificate at ${this.origin} is not trusted (${err.code}): ${fix}`, { cause: err }));
        }
        reject(new CmError('unreachable', `cannot reach Cloudera Manager at ${this.origin}: ${err.code ?? err.message}`, { cause: err }));
      });
      req.on('response', (res) => {
        // A connection cut in the middle of the body: 'end' never comes.
        res.on('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(
            err instanceof CmError
              ? err
              : new CmError('unreachable', `Cloudera Manager's answer to ${path} was cut: ${err.code ?? err.message}`, { cause: err }),
          );
        });
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new CmError('bad-answer', `Cloudera Manager's answer to ${path} is larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          this.keepCookie(res.headers['set-cookie']);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end();
    });
  }

  /** CM's session cookie (SESSION, JSESSIONID, ...): the name=value part of each Set-Cookie. */
  private keepCookie(setCookie: string[] | undefined): void {
    if (!setCookie?.length) return;
    this.cookie = setCookie.map((c) => c.split(';')[0]!.trim()).join('; ');
  }
}
