import type http from 'node:http';

/** Stable codes of the router's own REST answers (the JSON body's `error`). */
export type RestErrorCode = 'no_active_node' | 'outcome_unknown' | 'node_failed' | 'node_timeout' | 'body_too_large' | 'shutting_down';

/** How long a client is told to wait after a 503 before trying again. */
export const RETRY_AFTER_S = 5;

/**
 * The router's own answer (never a node's): JSON with a stable `error` code and a sentence a
 * person can act on. `Connection: close` when the client's request body may be unread.
 */
export function answer(res: http.ServerResponse, status: number, error: RestErrorCode, message: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ error, msg: message, router: 'livy-router' });
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (status === 503) headers['retry-after'] = String(RETRY_AFTER_S);
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

/** What a failed request did to Livy: a GET or HEAD changed nothing; anything else may have. */
export function unknownOutcome(method: string): string {
  return method === 'GET' || method === 'HEAD'
    ? 'nothing was changed by this request'
    : `the outcome of ${method} is unknown: it was not sent again; check the session (GET) before repeating it`;
}

export function noActiveMessage(holdMs: number, lastFailure: string | undefined): string {
  return lastFailure ? `no Livy node answered within holdMs (${holdMs} ms); last failure: ${lastFailure}` : `no active Livy node within holdMs (${holdMs} ms)`;
}
