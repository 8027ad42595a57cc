// The commit of a resumable session (onActiveLost: resume, binary PLAIN or NOSASL): the client and
// node sockets become a ResumableSession owned by a ResumableConnection, filed in the registry.
import type { ResumeKit } from '../handshake/handshake.js';
import type { OpenRequest, SessionRegistry } from '../session/registry.js';
import { ResumableConnection } from './resumable-connection.js';
import { ResumableSession } from './resumable-session.js';
import type { ResumeCoordinator } from './resume-coordinator.js';

export function openResumable(coordinator: ResumeCoordinator, registry: SessionRegistry, req: OpenRequest, kit: ResumeKit): boolean {
  const session = new ResumableSession(req.id, req.client, req.node, req.nodeReader, req.nodeName, kit, coordinator, req.log, (reason) =>
    connection.destroy(reason),
  );
  const connection = new ResumableConnection(session, {
    transport: req.transport,
    clientAddress: req.clientAddress,
    user: req.user,
    heldMs: req.heldMs,
    log: req.log,
    onDone: (c, summary) => {
      if (session.resumes > 0) coordinator.resumedSessionEnded();
      registry.ended(c, summary);
    },
  });
  coordinator.track(session, req.user, connection);
  registry.adopt(connection, req.transport);
  connection.start(req.clientEnded);
  return true;
}
