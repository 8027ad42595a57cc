// The one line every committed connection ends with ("connection closed"), whoever owned it: a
// plain Session, a resumable binary connection or a resumable HTTP connection. One builder, so
// the three owners log the same fields in the same order.
import type { Logger } from '../log.js';
import type { SessionSummary } from '../observe.js';

/** How long a client that was sent our FIN may take to finish reading before it is destroyed. */
export const CLOSE_LINGER_MS = 5000;

/** What the line adds to the summary: the login name (never a password), the time held, the owner's own fields. */
export interface ClosingExtras {
  readonly user?: string | undefined;
  readonly heldMs: number;
}

export function logClosed(log: Logger, s: SessionSummary, extras: ClosingExtras, more?: object): void {
  log.info(
    {
      conn: s.id,
      client: s.client,
      node: s.node,
      ...(extras.user === undefined ? {} : { user: extras.user }),
      heldMs: extras.heldMs,
      transport: s.transport,
      bytesFromClient: s.bytesFromClient,
      bytesToClient: s.bytesToClient,
      durationMs: s.durationMs,
      reason: s.reason,
      ...more,
    },
    'connection closed',
  );
}
