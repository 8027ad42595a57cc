// The HTTP handshake of a resumable connection (onActiveLost: resume). It holds the client's bytes
// until the first request is whole, gives an OpenSession a unique livy.session.name unless the
// client named its session itself (the body re-framed: its Content-Length rewritten), and hands
// the bytes to the ordinary HttpHandshake, which replays them to every node it tries. A request it
// cannot read whole (chunked, Expect: 100-continue, malformed) goes on unchanged: that connection
// is then a plain pipe, closed at a failover as with close.
import { randomUUID } from 'node:crypto';
import type { HttpHandshake } from './http.js';
import type { ClientCheck, Resumable } from './handshake.js';
import { EMPTY, NamingHandshake } from './naming-handshake.js';
import { readMessage, withBody, type HttpLimits } from '../wire/http-exchange.js';
import { RequestScanner } from '../wire/http-request-scanner.js';
import { clientSessionName, withSessionName } from '../wire/tcli-compose.js';

export class ResumableHttpHandshake extends NamingHandshake {
  private passing = false;
  private readonly scanner: RequestScanner;
  resumable: Resumable | undefined;

  constructor(
    inner: HttpHandshake,
    private readonly limits: HttpLimits,
  ) {
    super(inner);
    this.scanner = new RequestScanner(limits);
  }

  onClientData(chunk: Buffer): ClientCheck {
    if (this.passing) return this.inner.onClientData(chunk);
    this.held = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const scan = this.scanner.push(chunk);
    if (scan.kind === 'bad') return this.pass(this.held);
    if (scan.kind === 'incomplete') {
      // The client waits for a 100 Continue: the plain handshake answers it, and the connection is not resumable.
      return scan.headDone && this.scanner.expectsContinue ? this.pass(this.held) : { kind: 'ok', forward: EMPTY };
    }
    if (this.scanner.chunked) return this.pass(this.held);
    return this.pass(this.rewrite());
  }

  private pass(bytes: Buffer): ClientCheck {
    this.passing = true;
    return this.handOn(bytes);
  }

  /** The held bytes with the first request's OpenSession named; the same bytes for any other call. */
  private rewrite(): Buffer {
    const read = readMessage(this.held, 'request', this.limits);
    if (read.kind !== 'whole') return this.held;
    this.resumable = { transport: 'http', kit: undefined };
    const { message } = read;
    try {
      const named = clientSessionName(message.body, this.limits.maxBodyBytes);
      const sessionName = named ?? `livy-router-${randomUUID()}`;
      const openSession = named === undefined ? withSessionName(message.body, sessionName, this.limits.maxBodyBytes) : message.body;
      this.resumable = { transport: 'http', kit: { openSession, clientOpenSession: message.body, sessionName } };
      if (named !== undefined) return this.held;
      return Buffer.concat([withBody(this.held, message, openSession), this.held.subarray(message.end)]);
    } catch {
      return this.held; // not an OpenSession call: sent as it is
    }
  }
}
