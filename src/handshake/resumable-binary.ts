// The binary handshake of a resumable session (onActiveLost: resume). It holds the client's bytes
// until the login and the whole first call are here, gives the OpenSession a unique
// livy.session.name unless the client named its session itself, and hands the rewritten bytes,
// re-framed, to the ordinary BinaryHandshake, which replays them to every node it tries. The
// name is what lets the session reattach to the same Livy session (Spark application) elsewhere.
import { randomUUID } from 'node:crypto';
import type { BinaryHandshake } from './binary.js';
import type { ClientCheck, Resumable } from './handshake.js';
import { EMPTY, NamingHandshake } from './naming-handshake.js';
import { readSaslFrame, SaslStatus } from '../wire/sasl-frame.js';
import { MessageSplitter, type BinaryFraming } from '../wire/message-splitter.js';
import { clientSessionName, withSessionName } from '../wire/tcli-compose.js';

export class ResumableBinaryHandshake extends NamingHandshake {
  /** login: SASL frames not all here yet; call: the first call is held until whole; passing: done. */
  private phase: 'login' | 'call' | 'passing';
  private login: Buffer = Buffer.alloc(0);
  private readonly framing: BinaryFraming;
  resumable: Resumable | undefined;

  constructor(
    inner: BinaryHandshake,
    private readonly maxBytes: number,
  ) {
    super(inner);
    this.framing = inner.transport === 'sasl' ? 'sasl' : 'nosasl';
    this.phase = this.framing === 'sasl' ? 'login' : 'call';
  }

  onClientData(chunk: Buffer): ClientCheck {
    if (this.phase === 'passing') return this.inner.onClientData(chunk);
    this.held = Buffer.concat([this.held, chunk]);
    if (this.held.length > this.maxBytes) return this.pass(this.held);
    if (this.phase === 'login') {
      // PLAIN's two frames go on at once: the client waits for the node's COMPLETE before its call.
      const end = this.loginEnd();
      if (end === undefined) return { kind: 'ok', forward: EMPTY };
      if (end < 0) return this.pass(this.held);
      this.login = Buffer.from(this.held.subarray(0, end));
      this.held = this.held.subarray(end);
      this.phase = 'call';
      const check = this.inner.onClientData(this.login);
      if (check.kind !== 'ok' || this.held.length === 0) return check.kind === 'ok' ? { ...check, forward: this.login } : check;
      const rest = this.onClientData(Buffer.alloc(0));
      return rest.kind === 'ok' ? { ...rest, forward: Buffer.concat([this.login, rest.forward ?? EMPTY]) } : rest;
    }
    const rewritten = this.rewrite();
    return rewritten === undefined ? { kind: 'ok', forward: EMPTY } : this.pass(rewritten);
  }

  private pass(bytes: Buffer): ClientCheck {
    this.phase = 'passing';
    return this.handOn(bytes);
  }

  /** End of the SASL PLAIN login; undefined: wait; -1: not a PLAIN login (not resumable). */
  private loginEnd(): number | undefined {
    const start = readSaslFrame(this.held, 0, this.maxBytes);
    if (start.kind === 'incomplete') return undefined;
    // Only PLAIN's login can be repeated: GSSAPI tokens are single-use.
    if (start.kind === 'invalid' || start.frame.status !== SaslStatus.START || start.frame.payload.toString('latin1') !== 'PLAIN') return -1;
    const plain = readSaslFrame(this.held, start.frame.end, this.maxBytes);
    if (plain.kind === 'incomplete') return undefined;
    return plain.kind === 'invalid' ? -1 : plain.frame.end;
  }

  /** The whole first call, named; undefined: wait. Anything unreadable goes on unchanged. */
  private rewrite(): Buffer | undefined {
    const splitter = new MessageSplitter(this.framing, this.maxBytes);
    let first: Buffer | undefined;
    try {
      first = splitter.push(this.held)[0];
    } catch {
      return this.held;
    }
    if (first === undefined) return undefined;
    try {
      const named = clientSessionName(first, this.maxBytes);
      const sessionName = named ?? `livy-router-${randomUUID()}`;
      const openSession = named === undefined ? withSessionName(first, sessionName, this.maxBytes) : first;
      const kit = { framing: this.framing, login: this.login, openSession, clientOpenSession: Buffer.from(first), sessionName };
      this.resumable = { transport: 'binary', kit };
      const rest = this.held.subarray((this.framing === 'sasl' ? 4 : 0) + first.length);
      return Buffer.concat([splitter.encode(openSession), rest]);
    } catch {
      return this.held; // not an OpenSession call, or one we cannot read: not resumable
    }
  }
}
