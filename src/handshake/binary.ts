import type { ClientCheck, CommittedStream, Handshake, NodeAnswer, Proof, Rejection } from './handshake.js';
import { KeptBytes } from '../wire/kept-bytes.js';
import { encodeSaslFrame, mechanismPreview, printable, readSaslFrame, SaslStatus, saslStatusName } from '../wire/sasl-frame.js';
import { Incomplete, Malformed, MessageType, readMessageHeader, readReply, Reader, StatusCode } from '../wire/thrift-codec.js';
import { frame, openSessionErrorReply } from '../wire/thrift-writer.js';

type Stage = 'sasl' | 'thrift';

const WAIT: NodeAnswer = { verdict: { kind: 'wait' }, toClient: [] };
const MECHANISM = /^[A-Z0-9_-]{1,20}$/;

/**
 * Binary transport (Thrift over TCP), SASL or NOSASL. A node is accepted when it completes SASL and answers the first OpenSession with a success
 * status (or, for a first call other than OpenSession, when it answers at all). Only answers that
 * every node gives alike (an empty SASL COMPLETE) reach the client before that, so the kept bytes
 * can be replayed to another node. GSSAPI/DIGEST exchanges carry node-specific tokens: the first
 * OK challenge commits the node, since a client that has seen one node's token cannot move on.
 */
export class BinaryHandshake implements Handshake {
  readonly transport: 'sasl' | 'nosasl';
  private readonly kept = new KeptBytes();
  private clientPos = 0;
  private clientFramesSeen = 0;
  private mechanism: string | undefined;
  user: string | undefined;
  /** Set for multi-round mechanisms: the client's later frames are not inspected. */
  private opaque = false;
  /** Offset in the kept bytes where the client's Thrift messages start (after SASL negotiation). */
  private thriftStart: number | undefined;
  private firstCall: { name: string; seqid: number } | undefined;
  private clientSawComplete = false;
  private nodeBuf: Buffer = Buffer.alloc(0);
  private nodePhase: 'sasl' | 'reply' = 'sasl';
  private nodeRelayed: Buffer = Buffer.alloc(0);

  constructor(
    firstByte: number,
    private readonly maxBytes: number,
  ) {
    this.transport = firstByte === SaslStatus.START ? 'sasl' : 'nosasl';
    if (this.transport === 'nosasl') this.thriftStart = 0;
  }

  /**
   * A whole first message, and no less, before any node is dialled: SASL START and the initial
   * response that every Thrift SASL client sends right after it (PLAIN's credentials, a Kerberos
   * token), or a NOSASL client's first call header. A client that trickles costs no node connection.
   */
  get readyToDial(): boolean {
    return this.transport === 'sasl' ? this.clientFramesSeen >= 2 : this.firstCall !== undefined;
  }

  onClientData(chunk: Buffer): ClientCheck {
    this.kept.push(chunk);
    const check = this.parseClient();
    if (check.kind !== 'ok') return check;
    if (this.kept.length > this.maxBytes) {
      return { kind: 'commit-now', reason: `client handshake exceeds ${this.maxBytes} bytes` };
    }
    return check;
  }

  /** The client's bytes are not what they claim: it is told so in its protocol (a Thrift reply needs no seqid it sent). */
  private bad(reason: string): ClientCheck {
    return { kind: 'bad', reason, reply: this.ownAnswer(reason) ?? this.thriftError(this.firstCall?.seqid ?? 0, reason) };
  }

  private thriftError(seqid: number, message: string): Buffer {
    const reply = openSessionErrorReply(seqid, `livy-router: ${message}`);
    return this.transport === 'sasl' ? frame(reply) : reply;
  }

  private parseClient(): ClientCheck {
    const buf = this.kept.view();
    while (this.thriftStart === undefined && !this.opaque) {
      const read = readSaslFrame(buf, this.clientPos, this.maxBytes);
      if (read.kind === 'incomplete') return { kind: 'ok' };
      if (read.kind === 'invalid') return this.bad(read.reason);
      const { status, payload, end } = read.frame;
      this.clientPos = end;
      this.clientFramesSeen++;
      if (this.clientFramesSeen === 1) {
        const mech = payload.toString('latin1');
        if (status !== SaslStatus.START) return this.bad(`first SASL frame is ${saslStatusName(status)}, expected START`);
        if (!MECHANISM.test(mech)) return this.bad(`SASL START names no valid mechanism (${mechanismPreview(payload)})`);
        this.mechanism = mech;
        continue;
      }
      if (this.mechanism === 'PLAIN') {
        // PLAIN has one client frame after START (status OK or COMPLETE); Thrift follows.
        // authzid \0 user \0 password (RFC 4616): only the user is kept.
        const [authzid, user] = payload.toString('utf8').split('\0');
        this.user = user || authzid || undefined;
        this.thriftStart = end;
      } else {
        // Multi-round mechanisms commit at the node's first challenge; nothing more to read here.
        this.opaque = true;
        return { kind: 'ok' };
      }
    }
    if (this.firstCall === undefined && this.thriftStart !== undefined) {
      const framed = this.transport === 'sasl';
      const r = new Reader(buf, this.thriftStart + (framed ? 4 : 0), this.maxBytes);
      if (framed && buf.length < this.thriftStart + 4) return { kind: 'ok' };
      try {
        const h = readMessageHeader(r);
        if (h.type !== MessageType.CALL && h.type !== MessageType.ONEWAY) return this.bad(`first Thrift message is type ${h.type}, expected a CALL`);
        this.firstCall = { name: h.name, seqid: h.seqid };
      } catch (err) {
        if (err instanceof Incomplete) return { kind: 'ok' };
        return this.bad(`not a Thrift message: ${(err as Error).message}`);
      }
    }
    return { kind: 'ok' };
  }

  startAttempt(): Buffer {
    this.nodeBuf = Buffer.alloc(0);
    this.nodePhase = this.transport === 'sasl' ? 'sasl' : 'reply';
    return this.kept.view();
  }

  onNodeData(chunk: Buffer): NodeAnswer {
    this.nodeBuf = this.nodeBuf.length ? Buffer.concat([this.nodeBuf, chunk]) : chunk;
    const toClient: Buffer[] = [];
    if (this.nodePhase === 'sasl') {
      const read = readSaslFrame(this.nodeBuf, 0, this.maxBytes);
      if (read.kind === 'incomplete') return WAIT;
      if (read.kind === 'invalid') return this.reject(`node sent an invalid SASL frame: ${read.reason}`);
      const { status, payload, end } = read.frame;
      const frameBytes = this.nodeBuf.subarray(0, end);
      switch (status) {
        case SaslStatus.COMPLETE:
          if (!this.clientSawComplete) {
            toClient.push(frameBytes);
            this.clientSawComplete = true;
          }
          this.nodeBuf = this.nodeBuf.subarray(end);
          this.nodePhase = 'reply';
          break;
        case SaslStatus.OK:
          if (this.clientSawComplete) return this.reject('node asked for another SASL round after COMPLETE');
          return this.commit([], 'blind');
        case SaslStatus.BAD:
        case SaslStatus.ERROR: {
          const [message, kind] = [printable(payload), `SASL ${saslStatusName(status)}`];
          return this.reject(`${kind} "${message}"`, [], { bytes: Buffer.from(frameBytes), stage: 'sasl', kind, message });
        }
        default:
          return this.reject(`node sent SASL ${saslStatusName(status)} during negotiation`);
      }
    }
    return this.inspectReply(toClient);
  }

  private inspectReply(toClient: Buffer[]): NodeAnswer {
    if (this.firstCall === undefined) return { verdict: { kind: 'wait' }, toClient };
    if (this.firstCall.name !== 'OpenSession') {
      // Nothing to judge: any answer at all (or completed SASL) shows the node serves this client.
      return this.nodeBuf.length || this.transport === 'sasl' ? this.commit(toClient, 'blind') : { verdict: { kind: 'wait' }, toClient };
    }
    const framed = this.transport === 'sasl';
    const buf = this.nodeBuf;
    if (framed && buf.length < 4) return { verdict: { kind: 'wait' }, toClient };
    const bodyLength = framed ? buf.readUInt32BE(0) : 0;
    if (framed && bodyLength > this.maxBytes) return this.commit(toClient, 'blind');
    try {
      const reply = readReply(new Reader(buf, framed ? 4 : 0, this.maxBytes));
      const failed = reply.type === MessageType.EXCEPTION || reply.statusCode === StatusCode.ERROR || reply.statusCode === StatusCode.INVALID_HANDLE;
      if (!failed) return this.commit(toClient, 'parsed');
      const message = reply.errorMessage ?? 'no message';
      const rejection = { bytes: Buffer.from(buf.subarray(0, reply.end)), stage: 'thrift', kind: 'OpenSession error', message };
      return this.reject(`OpenSession error "${message}"`, toClient, rejection);
    } catch (err) {
      if (err instanceof Incomplete) return { verdict: { kind: 'wait' }, toClient };
      if (err instanceof Malformed) return this.rejectUnreadable(buf, err, toClient);
      throw err;
    }
  }

  /**
   * A NOSASL client reaching a SASL node gets a SASL frame back. It is kept with stage 'sasl': a
   * NOSASL client cannot read it (it would misread the frame as a Thrift header and wait), so the
   * router answers in Thrift, with the node's words.
   */
  private rejectUnreadable(buf: Buffer, err: Malformed, toClient: Buffer[]): NodeAnswer {
    const sasl = readSaslFrame(buf, 0, this.maxBytes);
    if (sasl.kind === 'frame' && (sasl.frame.status === SaslStatus.BAD || sasl.frame.status === SaslStatus.ERROR)) {
      const message = printable(sasl.frame.payload);
      const kind = `SASL ${saslStatusName(sasl.frame.status)}`;
      const rejection = { bytes: Buffer.from(buf.subarray(0, sasl.frame.end)), stage: 'sasl', kind, message };
      return this.reject(`node expects SASL: SASL ${saslStatusName(sasl.frame.status)} "${message}"`, toClient, rejection);
    }
    if (sasl.kind === 'incomplete' && (buf[0] === SaslStatus.BAD || buf[0] === SaslStatus.ERROR)) return { verdict: { kind: 'wait' }, toClient };
    return this.reject(`unreadable first reply: ${err.message}`, toClient);
  }

  private commit(toClient: Buffer[], proof: Proof): NodeAnswer {
    toClient.push(...this.takeNodeBytes());
    return { verdict: { kind: 'commit', proof }, toClient };
  }

  takeNodeBytes(): Buffer[] {
    const pending = this.nodeBuf.length ? [(this.nodeRelayed = this.nodeBuf)] : [];
    this.nodeBuf = Buffer.alloc(0);
    return pending;
  }

  private reject(reason: string, toClient: Buffer[] = [], rejection?: Rejection): NodeAnswer {
    this.nodeBuf = Buffer.alloc(0);
    return { verdict: { kind: 'reject', reason, ...(rejection ? { rejection } : {}) }, toClient };
  }

  nodeGone(reason: string): string {
    return this.nodePhase === 'sasl' || this.nodeBuf.length === 0 ? `${reason} before answering` : `${reason} in the middle of its first reply`;
  }

  /** The stage the client is at: SASL until it has seen COMPLETE, Thrift after (NOSASL from the start). */
  private clientStage(): Stage {
    return this.transport === 'sasl' && !this.clientSawComplete ? 'sasl' : 'thrift';
  }

  deliverable(rejection: Rejection): boolean {
    return rejection.stage === this.clientStage();
  }

  ownAnswer(message: string): Buffer | undefined {
    const text = `livy-router: ${message}`;
    if (this.clientStage() === 'sasl') return encodeSaslFrame(SaslStatus.ERROR, text);
    // A call the router has not read yet gets an error reply too (a Thrift client reports it,
    // rather than wait); one it has read and that is not OpenSession is the node's to answer.
    if (this.firstCall === undefined) return this.thriftError(0, message);
    if (this.firstCall.name !== 'OpenSession') return undefined;
    return this.thriftError(this.firstCall.seqid, message);
  }

  timeoutReply(ms: number): Buffer | undefined {
    return this.ownAnswer(`no complete first message within ${ms} ms`);
  }

  committedStream(): CommittedStream | undefined {
    const start = this.nodePhase === 'reply' ? this.thriftStart : undefined; // GSSAPI, or a commit during SASL: nothing to read
    return start === undefined ? undefined : { fromClient: Buffer.from(this.kept.view().subarray(start)), toClient: this.nodeRelayed };
  }

  release(): void {
    this.kept.clear();
    this.nodeBuf = this.nodeRelayed = Buffer.alloc(0);
  }
}
