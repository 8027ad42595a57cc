import type { ClientCheck, CommittedStream, Handshake, NodeAnswer, Proof, Rejection } from './handshake.js';
import { bodyEnd, bodyFraming, errorResponse, header, readHead } from '../wire/http-message.js';
import { RequestScanner } from '../wire/http-request-scanner.js';
import { KeptBytes } from '../wire/kept-bytes.js';
import { printable } from '../wire/sasl-frame.js';
import { readMessageHeader, readReply, Reader, MessageType, StatusCode } from '../wire/thrift-codec.js';

/** Answers of a passive (or not yet ready) Livy node to a Thrift-over-HTTP POST. */
const PASSIVE_STATUSES = new Set([307, 308, 502, 503]);
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

export interface HttpLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/**
 * Thrift over HTTP. The first request is kept whole (head and body) and sent to each node in
 * turn; 307/308/502/503, or a close before a status line, means "next node". A 2xx answering an
 * OpenSession is read: its body is an unframed TBinaryProtocol reply, and an error status in it
 * (a HiveServer2 passive's "Cannot open sessions on an inactive HS2 instance") means "next node"
 * too, as in binary mode; a success proves the node active. Any other status (401 from the active
 * node's authentication) commits blind: the answer goes to the client and the rest of its
 * keep-alive connection stays pinned to that node.
 */
export class HttpHandshake implements Handshake {
  readonly transport = 'http';
  /** Not read (HTTP Basic and TLS are not parsed for it). */
  readonly user = undefined;
  private readonly kept = new KeptBytes();
  private readonly scanner: RequestScanner;
  private requestEnd: number | undefined;
  private expectContinue = false;
  private nodeBuf: Buffer = Buffer.alloc(0);
  /** The first request's body is a Thrift OpenSession call: a 2xx answer to it can be judged. */
  private opensSession = false;
  /** The node's bytes handed to the client at the commit. */
  private nodeRelayed: Buffer | undefined;

  constructor(private readonly limits: HttpLimits) {
    this.scanner = new RequestScanner(limits);
  }

  get readyToDial(): boolean {
    return this.requestEnd !== undefined;
  }

  onClientData(chunk: Buffer): ClientCheck {
    this.kept.push(chunk);
    if (this.requestEnd !== undefined) {
      // Pipelined requests ride along: they are replayed with the first one.
      return this.kept.length > this.requestEnd + this.limits.maxBodyBytes
        ? { kind: 'commit-now', reason: `client sent more than ${this.limits.maxBodyBytes} bytes before any answer` }
        : { kind: 'ok' };
    }
    // Each byte is scanned once, as it arrives: a trickled request costs no more than a whole one.
    const scan = this.scanner.push(chunk);
    if (scan.kind === 'bad') return this.bad(scan.status, scan.reason);
    if (scan.kind === 'complete') {
      this.requestEnd = scan.end;
      this.opensSession = isOpenSessionCall(this.kept.view(), this.scanner.headEnd!, scan.end, !this.scanner.chunked);
      return { kind: 'ok' };
    }
    if (scan.headDone && !this.expectContinue && this.scanner.expectsContinue) {
      this.expectContinue = true;
      // The router must see the body before it can pick a node: answer the 100 itself.
      return { kind: 'ok', reply: Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1') };
    }
    return { kind: 'ok' };
  }

  private bad(status: number, reason: string): ClientCheck {
    return { kind: 'bad', reason: `HTTP ${status}: ${reason}`, reply: errorResponse(status, reason) };
  }

  timeoutReply(ms: number): Buffer {
    return errorResponse(408, `no complete request within ${ms} ms`);
  }

  startAttempt(): Buffer {
    this.nodeBuf = Buffer.alloc(0);
    const buf = this.kept.view();
    if (!this.expectContinue) return buf;
    // We already sent the client its 100 Continue; the node must not expect to send one.
    const head = buf.toString('latin1', 0, this.scanner.headEnd);
    const stripped = head.replace(/\r\nexpect:[^\r]*/gi, '');
    return Buffer.concat([Buffer.from(stripped, 'latin1'), buf.subarray(head.length)]);
  }

  onNodeData(chunk: Buffer): NodeAnswer {
    this.nodeBuf = this.nodeBuf.length ? Buffer.concat([this.nodeBuf, chunk]) : chunk;
    const read = readHead(this.nodeBuf, this.limits.maxHeaderBytes);
    if (read.kind === 'incomplete') return { verdict: { kind: 'wait' }, toClient: [] };
    if (read.kind !== 'head') return this.commit('blind'); // an odd but real answer: not ours to judge
    const m = STATUS_LINE.exec(read.head.startLine);
    if (!m) return this.reject(`answered with "${read.head.startLine.slice(0, 60)}" instead of an HTTP status line`);
    const status = Number(m[1]);
    const judged = PASSIVE_STATUSES.has(status) || (this.opensSession && status >= 200 && status < 300);
    if (!judged) return this.commit('blind');
    // Keep the whole answer (head and body): it is relayed if it turns out to be the client's.
    const framing = bodyFraming(read.head, false);
    const body = bodyEnd(this.nodeBuf, read.head.end, framing, this.limits.maxBodyBytes);
    if (body.kind === 'incomplete') return { verdict: { kind: 'wait' }, toClient: [] };
    const whole = Buffer.from(this.nodeBuf.subarray(0, body.kind === 'end' ? body.end : read.head.end));
    if (!PASSIVE_STATUSES.has(status)) return this.judgeOpenSession(whole, read.head.end, body.kind === 'end' && framing.kind === 'length');
    const location = header(read.head, 'location')[0];
    const message = `HTTP ${status}${m[2] ? ` ${m[2]}` : ''}${location ? ` (Location: ${location})` : ''}`;
    const detail = printable(whole.subarray(read.head.end));
    return this.reject(message, { bytes: whole, stage: 'http', kind: `HTTP ${status}`, message, detail });
  }

  /** A 2xx to the first OpenSession: success commits (proof the node serves), an error status is a refusal. */
  private judgeOpenSession(whole: Buffer, bodyStart: number, readable: boolean): NodeAnswer {
    if (!readable) return this.commit('blind');
    try {
      const reply = readReply(new Reader(whole, bodyStart, this.limits.maxBodyBytes));
      const failed = reply.type === MessageType.EXCEPTION || reply.statusCode === StatusCode.ERROR || reply.statusCode === StatusCode.INVALID_HANDLE;
      if (!failed) return this.commit('parsed');
      const message = reply.errorMessage ?? 'no message';
      return this.reject(`OpenSession error "${message}"`, { bytes: whole, stage: 'http', kind: 'OpenSession error', message });
    } catch {
      return this.commit('blind');
    }
  }

  private commit(proof: Proof): NodeAnswer {
    return { verdict: { kind: 'commit', proof }, toClient: this.takeNodeBytes() };
  }

  takeNodeBytes(): Buffer[] {
    this.nodeRelayed = this.nodeBuf;
    const pending = this.nodeBuf.length ? [this.nodeBuf] : [];
    this.nodeBuf = Buffer.alloc(0);
    return pending;
  }

  private reject(reason: string, rejection?: Rejection): NodeAnswer {
    this.nodeBuf = Buffer.alloc(0);
    return { verdict: { kind: 'reject', reason, ...(rejection ? { rejection } : {}) }, toClient: [] };
  }

  nodeGone(reason: string): string {
    return this.nodeBuf.length ? `${reason} in the middle of its response head` : `${reason} before a status line`;
  }

  deliverable(): boolean {
    return true;
  }

  ownAnswer(message: string): Buffer {
    return errorResponse(503, message);
  }

  committedStream(): CommittedStream {
    return { fromClient: Buffer.from(this.kept.view()), toClient: this.nodeRelayed ?? Buffer.alloc(0) };
  }

  release(): void {
    this.nodeRelayed = undefined;
    this.kept.clear();
    this.nodeBuf = Buffer.alloc(0);
  }
}

/** Whether a Content-Length body holds a Thrift OpenSession call (unframed TBinaryProtocol). */
function isOpenSessionCall(buf: Buffer, start: number, end: number, lengthFramed: boolean): boolean {
  if (!lengthFramed || end <= start) return false;
  try {
    const h = readMessageHeader(new Reader(buf.subarray(0, end), start, end - start));
    return h.name === 'OpenSession' && (h.type === MessageType.CALL || h.type === MessageType.ONEWAY);
  } catch {
    return false;
  }
}
