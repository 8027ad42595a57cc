import type { ClientCheck, Handshake, NodeAnswer } from './handshake.js';
import { bodyEnd, bodyFraming, errorResponse, header, readHead, type HttpHead } from './http-message.js';
import { KeptBytes } from './kept-bytes.js';

/** Answers of a passive (or not yet ready) Livy node to a Thrift-over-HTTP POST. */
const PASSIVE_STATUSES = new Set([307, 308, 502, 503]);
const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

export interface HttpLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/**
 * Thrift over HTTP. The first request is kept whole (head and body) and sent to each node in
 * turn; 307/308/502/503, or a close before a status line, means "next node". Any other status
 * (200, and 401 from the active node's authentication) commits: the answer goes to the client and
 * the rest of its keep-alive connection stays pinned to that node.
 */
export class HttpHandshake implements Handshake {
  readonly transport = 'http';
  private readonly kept = new KeptBytes();
  private requestEnd: number | undefined;
  private expectContinue = false;
  private nodeBuf: Buffer = Buffer.alloc(0);
  private lastRejection: Buffer | undefined;
  private lastStatus: number | undefined;

  constructor(private readonly limits: HttpLimits) {}

  get keptBytes(): number {
    return this.kept.length;
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
    const buf = this.kept.view();
    const read = readHead(buf, this.limits.maxHeaderBytes);
    if (read.kind === 'incomplete') return { kind: 'ok' };
    if (read.kind === 'too-large') return this.bad(431, `request head larger than ${this.limits.maxHeaderBytes} bytes`);
    if (read.kind === 'malformed') return this.bad(400, read.reason);
    const head = read.head;
    if (!REQUEST_LINE.test(head.startLine)) return this.bad(400, `malformed request line "${head.startLine.slice(0, 80)}"`);
    const body = bodyEnd(buf, head.end, bodyFraming(head, true), this.limits.maxBodyBytes);
    if (body.kind === 'too-large') return this.bad(413, `request body larger than ${this.limits.maxBodyBytes} bytes (handshake.maxBufferedBytes)`);
    if (body.kind === 'malformed') return this.bad(400, body.reason);
    if (body.kind === 'incomplete') {
      if (!this.expectContinue && this.wantsContinue(head)) {
        this.expectContinue = true;
        // The router must see the body before it can pick a node: answer the 100 itself.
        return { kind: 'ok', reply: Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1') };
      }
      return { kind: 'ok' };
    }
    this.requestEnd = body.end;
    return { kind: 'ok' };
  }

  private wantsContinue(head: HttpHead): boolean {
    return header(head, 'expect').some((v) => v.toLowerCase() === '100-continue');
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
    const head = buf.toString('latin1', 0, buf.indexOf('\r\n\r\n', 0, 'latin1') + 4);
    const stripped = head.replace(/\r\nexpect:[^\r]*/gi, '');
    return Buffer.concat([Buffer.from(stripped, 'latin1'), buf.subarray(head.length)]);
  }

  onNodeData(chunk: Buffer): NodeAnswer {
    this.nodeBuf = this.nodeBuf.length ? Buffer.concat([this.nodeBuf, chunk]) : chunk;
    const read = readHead(this.nodeBuf, this.limits.maxHeaderBytes);
    if (read.kind === 'incomplete') return { verdict: { kind: 'wait' }, toClient: [] };
    if (read.kind !== 'head') return this.commit(); // an odd but real answer: not ours to judge
    const m = STATUS_LINE.exec(read.head.startLine);
    if (!m) return this.reject(`answered with "${read.head.startLine.slice(0, 60)}" instead of an HTTP status line`);
    const status = Number(m[1]);
    if (!PASSIVE_STATUSES.has(status)) return this.commit();
    // Keep the whole rejection (head and body) to relay if it turns out to be the last one.
    const body = bodyEnd(this.nodeBuf, read.head.end, bodyFraming(read.head, false), this.limits.maxBodyBytes);
    if (body.kind === 'incomplete') return { verdict: { kind: 'wait' }, toClient: [] };
    this.lastRejection = Buffer.from(this.nodeBuf.subarray(0, body.kind === 'end' ? body.end : read.head.end));
    this.lastStatus = status;
    const location = header(read.head, 'location')[0];
    return this.reject(`HTTP ${status}${m[2] ? ` ${m[2]}` : ''}${location ? ` (Location: ${location})` : ''}`);
  }

  private commit(): NodeAnswer {
    return { verdict: { kind: 'commit' }, toClient: this.takeNodeBytes() };
  }

  takeNodeBytes(): Buffer[] {
    const pending = this.nodeBuf.length ? [this.nodeBuf] : [];
    this.nodeBuf = Buffer.alloc(0);
    return pending;
  }

  private reject(reason: string): NodeAnswer {
    this.nodeBuf = Buffer.alloc(0);
    return { verdict: { kind: 'reject', reason }, toClient: [] };
  }

  nodeGone(reason: string): string {
    return this.nodeBuf.length ? `${reason} in the middle of its response head` : `${reason} before a status line`;
  }

  finalRejection(summary: string): Buffer {
    if (this.lastRejection && this.lastStatus !== undefined) return this.lastRejection;
    return errorResponse(503, summary);
  }

  release(): void {
    this.kept.clear();
    this.nodeBuf = Buffer.alloc(0);
  }
}
