// The commit of a resumable session (onActiveLost: resume, binary PLAIN or NOSASL): the client and
// node sockets become a ResumableSession owned by a ResumableConnection, filed in the registry.
import type { Logger } from '../log.js';
import type { RouterObserver } from '../observe.js';
import type { Committed } from '../session/open-session.js';
import type { RegisteredSession, SessionRegistry } from '../session/registry.js';
import type { SessionSummary } from '../session/session.js';
import type { TrialResult } from '../upstream/node-trial.js';
import { ResumableConnection } from './resumable-connection.js';
import { ResumableSession } from './resumable-session.js';
import type { ResumeCoordinator } from './resume-coordinator.js';

export interface ResumeParts {
  coordinator: ResumeCoordinator;
  registry: SessionRegistry;
  observer: RouterObserver;
  log: Logger;
  sessionEnded: (session: RegisteredSession, summary: SessionSummary) => void;
}

export function openResumable(parts: ResumeParts, c: Committed, result: Extract<TrialResult, { kind: 'committed' }>): RegisteredSession | undefined {
  const kit = c.resumeKit;
  if (!kit) return undefined;
  const nodeName = result.node.config.name;
  const session = new ResumableSession(c.id, c.client, result.socket, result.reader, nodeName, kit, parts.coordinator, parts.log, (reason) =>
    connection.destroy(reason),
  );
  const connection = new ResumableConnection(session, {
    transport: c.transport,
    clientAddress: c.clientAddress,
    user: c.user,
    heldMs: c.heldMs,
    log: parts.log,
    onDone: parts.sessionEnded,
  });
  parts.coordinator.track(session, c.user, connection);
  parts.registry.add(connection);
  parts.observer.sessionOpened(nodeName, c.transport);
  connection.start(c.clientEnded);
  return connection;
}
