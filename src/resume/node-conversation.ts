// What the two reattach conversations with a node share (binary: reattach.ts, HTTP:
// http-reattach.ts): the socket they talk on, a failure when the node goes away or answers
// wrong, and a wait for the node's next bytes. Memory only, never logged.
import type net from 'node:net';
import { ResumeError } from './resume-error.js';

export abstract class NodeConversation {
  private failure: ResumeError | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.on('error', this.onGone).on('close', this.onGone).on('end', this.onGone);
  }

  private readonly onGone = (): void => this.fail(new ResumeError('node-closed', 'the node closed the connection during the resume'));

  fail(err: ResumeError): void {
    this.failure ??= err;
    this.wake?.();
  }

  /** The node sent bytes: a waiting reader looks again. */
  protected woken(): void {
    this.wake?.();
  }

  /** Throws the failure, if there is one. */
  protected throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Resolves at the node's next bytes or failure (the caller looks again). */
  protected async more(): Promise<void> {
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
  }

  /** The conversation's listeners leave the socket. */
  protected unwatch(): void {
    this.socket.off('error', this.onGone).off('close', this.onGone).off('end', this.onGone);
  }
}
