import type http from 'node:http';
import { endToEnd } from './forward-headers.js';

/**
 * Passes a node's answer to the client as a stream (status, end-to-end headers, body with
 * backpressure); from here a failure can only cut the client. pipe() rather than pipeline():
 * pipeline costs an AbortController and a DOMException per request.
 */
export function streamAnswer(from: http.IncomingMessage, to: http.ServerResponse): void {
  to.writeHead(from.statusCode ?? 502, from.statusMessage, endToEnd(from.rawHeaders));
  from.on('error', () => {});
  // The node closed before the end of its answer: the client must not take a truncated body for a whole one.
  from.once('close', () => {
    if (!from.complete) to.destroy();
  });
  from.pipe(to);
}
