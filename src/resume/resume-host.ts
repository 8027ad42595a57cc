// What a resumable session needs from the router (the resume coordinator implements it).
import type net from 'node:net';
import type { Reattached, ResumeFailure } from './reattach.js';
import type { ResumeKit } from '../handshake/handshake.js';

/** What the host reads of a session it resumes. */
export interface ResumeSubject {
  readonly id: number;
  readonly nodeName: string;
  readonly kit: ResumeKit;
  /** What a reattach replays. */
  readonly historyStatements: readonly string[];
}

export interface ResumeHost {
  readonly maxBytes: number;
  readonly history: { maxStatements: number; maxBytes: number };
  /** Reattach on the active node that is not `lost` (bounded concurrency and time). Throws ResumeError. */
  reattach(session: ResumeSubject, lost: string): Promise<{ node: string; result: Reattached }>;
  /** The session now lives on another node (the registry files it there). */
  moved(session: ResumeSubject, from: string): void;
  /** Closes the socket to the lost node once closing it cannot stop the Livy session's application. */
  retire(socket: net.Socket, node: string): void;
  resumed(session: ResumeSubject, from: string, ms: number, result: Reattached): void;
  failed(session: ResumeSubject, from: string, reason: ResumeFailure, message: string): void;
}
