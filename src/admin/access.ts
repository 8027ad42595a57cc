import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import type { RouterConfig } from '../config/schema.js';
import { RouterError } from '../errors.js';

/** Who may read the admin endpoint. */
export interface AdminAccess {
  /** Host names accepted besides localhost and IP literals ('*': any). Lower case. */
  readonly allowedHosts: readonly string[];
  /** SHA-256 of the bearer token /status and /metrics require; undefined: no token. */
  readonly tokenDigest: Buffer | undefined;
}

export class AdminTokenFileError extends RouterError {
  constructor(file: string, cause: NodeJS.ErrnoException | undefined) {
    super('LR_ADMIN_TOKEN_FILE', `cannot read the admin token from ${file}: ${cause ? (cause.code ?? cause.message) : 'the file is empty'}`, { cause });
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Reads `admin.tokenFile` (first line, trimmed) when set: at start and at every reload. */
export function loadAdminAccess(admin: RouterConfig['admin']): AdminAccess {
  let token = admin.token;
  if (admin.tokenFile !== undefined) {
    try {
      token = readFileSync(admin.tokenFile, 'utf8').split('\n')[0]!.trim();
    } catch (err) {
      throw new AdminTokenFileError(admin.tokenFile, err as NodeJS.ErrnoException);
    }
    if (!token) throw new AdminTokenFileError(admin.tokenFile, undefined);
  }
  return { allowedHosts: admin.allowedHosts.map((h) => h.toLowerCase()), tokenDigest: token === undefined ? undefined : digest(token) };
}

/** Probes need neither a token nor anything they could leak. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Why a request is refused, or undefined. The Host check stops DNS rebinding: a web page whose
 * name was re-pointed at the router's address sends its own name in Host. An IP literal cannot be
 * rebound (a page may send it, but cannot read a cross-origin answer), so any IP is accepted, as
 * are localhost names and the configured `admin.allowedHosts`.
 */
export function refusal(req: http.IncomingMessage, path: string, access: AdminAccess): { status: 401 | 403; message: string } | undefined {
  const host = hostName(req.headers.host);
  if (host !== undefined && !hostAllowed(host, access.allowedHosts)) {
    return { status: 403, message: 'Host not allowed: the admin endpoint answers localhost, IP addresses and admin.allowedHosts' };
  }
  if (access.tokenDigest === undefined || OPEN_PATHS.has(path)) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  return m && timingSafeEqual(digest(m[1]!), access.tokenDigest) ? undefined : { status: 401, message: 'a bearer token is required (admin.token)' };
}

/** The name in a Host header, lower case, without port, brackets or a final dot. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const h = header.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || net.isIP(host) !== 0) return true;
  return allowed.includes('*') || allowed.includes(host);
}
