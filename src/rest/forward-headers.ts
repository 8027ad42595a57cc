import type http from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1, plus the legacy Proxy-Connection): they describe
 * one connection, so neither side's are passed to the other. Transfer-Encoding is framing of one
 * connection too: Node frames each side itself.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Header names `Connection` declares hop-by-hop for this message, lower case. */
function connectionTokens(raw: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue;
    for (const t of raw[i + 1]!.split(',')) if (t.trim()) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}

/** `rawHeaders` (name, value, name, value, ...) without hop-by-hop fields, order and case kept. */
export function endToEnd(raw: readonly string[], drop: ReadonlySet<string> = new Set()): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || drop.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * The client's headers as the node gets them: unchanged (Authorization included) but for the
 * hop-by-hop ones, with X-Forwarded-For extended by the client's address and X-Forwarded-Proto and
 * -Host saying how the client reached the router. Returned as an object for http.request (arrays
 * keep repeated fields apart).
 */
export function requestHeaders(req: http.IncomingMessage, clientAddress: string, proto: 'http' | 'https'): Record<string, string | string[]> {
  const kept = endToEnd(req.rawHeaders, FORWARDED);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < kept.length; i += 2) {
    const name = kept[i]!;
    const prev = out[name];
    out[name] = prev === undefined ? kept[i + 1]! : [...(Array.isArray(prev) ? prev : [prev]), kept[i + 1]!];
  }
  const prior = req.headers['x-forwarded-for'];
  out['X-Forwarded-For'] = prior ? `${prior}, ${clientAddress}` : clientAddress;
  out['X-Forwarded-Proto'] = proto;
  if (req.headers.host !== undefined) out['X-Forwarded-Host'] = req.headers.host;
  return out;
}
