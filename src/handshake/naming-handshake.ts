// What the two resumable handshakes (binary, HTTP) share: each holds the client's first bytes
// until it can name the OpenSession, then hands them to an ordinary handshake, which does all the
// rest (the node trial's side); everything but the client's first bytes is that handshake's.
import type { ClientCheck, CommittedStream, Handshake, NodeAnswer, Rejection } from './handshake.js';

export const EMPTY = Buffer.alloc(0);

export abstract class NamingHandshake implements Handshake {
  /** Client bytes not handed on yet. */
  protected held: Buffer = EMPTY;

  constructor(protected readonly inner: Handshake) {}

  abstract onClientData(chunk: Buffer): ClientCheck;

  /** Hands `bytes` on: from here every client byte goes straight to the inner handshake. */
  protected handOn(bytes: Buffer): ClientCheck {
    this.held = EMPTY;
    const check = this.inner.onClientData(bytes);
    return check.kind === 'ok' ? { ...check, forward: bytes } : check;
  }

  get transport(): string {
    return this.inner.transport;
  }
  get readyToDial(): boolean {
    return this.inner.readyToDial;
  }
  get user(): string | undefined {
    return this.inner.user;
  }
  startAttempt(): Buffer {
    return this.inner.startAttempt();
  }
  onNodeData(chunk: Buffer): NodeAnswer {
    return this.inner.onNodeData(chunk);
  }
  takeNodeBytes(): Buffer[] {
    return this.inner.takeNodeBytes();
  }
  nodeGone(reason: string): string {
    return this.inner.nodeGone(reason);
  }
  deliverable(rejection: Rejection): boolean {
    return this.inner.deliverable(rejection);
  }
  ownAnswer(message: string): Buffer | undefined {
    return this.inner.ownAnswer(message);
  }
  timeoutReply(ms: number): Buffer | undefined {
    return this.inner.timeoutReply(ms);
  }
  committedStream(): CommittedStream | undefined {
    return this.inner.committedStream();
  }
  release(): void {
    this.held = EMPTY;
    this.inner.release();
  }
}
