import net from 'node:net';
import tls from 'node:tls';
import { encodeSaslFrame, printable, readSaslFrame, SaslStatus, saslStatusName } from '../wire/sasl-frame.js';
import { Incomplete, Malformed, MessageType, readReply, Reader, TType, type ReplySummary } from '../wire/thrift-codec.js';
import { frame, Writer } from '../wire/thrift-writer.js';
import type { CheckConfig } from '../config/health-schema.js';
import type { NodeConfig } from '../config/schema.js';
import { CheckConnectionLostError, CheckGarbageError, CheckSaslRejectedError, CheckTimeoutError } from './errors.js';

const CLI_SERVER_NAME = 13;
const MAX_REPLY_BYTES = 1 << 20;
const ZERO_ID = Buffer.alloc(16);
/** What Thrift's SASL server says when the user or password is wrong (not a passive node). */
const LOGIN_FAILED = /validating the login|authentication failed|invalid credentials|password/i;

/**
 * `GetInfo(CLI_SERVER_NAME)` with an all-zero session handle. Livy answers it without creating a
 * session (an error status for the unknown handle is still an answer); OpenSession would start a
 * Spark application on YARN, so the probe never sends it.
 */
export function getInfoCall(seqid: number): Buffer {
  return new Writer()
    .messageHeader(MessageType.CALL, 'GetInfo', seqid)
    .field(TType.STRUCT, 1) // GetInfo_args.req
    .field(TType.STRUCT, 1) // TGetInfoReq.sessionHandle
    .field(TType.STRUCT, 1) // TSessionHandle.sessionId
    .field(TType.STRING, 1)
    .string(ZERO_ID)
    .field(TType.STRING, 2)
    .string(ZERO_ID)
    .stop()
    .stop()
    .field(TType.I32, 2) // TGetInfoReq.infoType
    .i32(CLI_SERVER_NAME)
    .stop()
    .stop()
    .toBuffer();
}

/**
 * One kept-open probe connection to a node's Thrift port: TCP (or TLS), the SASL PLAIN
 * negotiation (or none), then GetInfo calls, one at a time. Every wait has a deadline; any
 * failure leaves the connection `broken`, and the pool evicts it.
 */
export class ThriftProbeConnection {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private seqid = 0;
  private waiter: ((err?: Error) => void) | undefined;
  private lost: Error | undefined;
  /** TLS only: the handshake finished (and the certificate passed, when verified). */
  private secure = false;
  /** We dropped it (timeout, eviction): its close is not news about the node. */
  private dropped = false;
  readonly address: string;

  private constructor(
    socket: net.Socket,
    private readonly check: CheckConfig,
    address: string,
    private readonly onClosedIdle: () => void,
  ) {
    this.socket = socket;
    this.address = address;
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.waiter?.();
    });
    socket.on('close', () => {
      const wasIdle = this.waiter === undefined && !this.dropped;
      this.lost ??= new CheckConnectionLostError('thrift probe', address, 'closed the connection');
      this.waiter?.(this.lost);
      if (wasIdle) this.onClosedIdle();
    });
  }

  /** Connects and negotiates within `deadline` (epoch ms); rejects with a Check*Error. */
  static async open(node: NodeConfig, check: CheckConfig, deadline: number, onClosedIdle: () => void): Promise<ThriftProbeConnection> {
    const address = `${node.host}:${node.port}`;
    const base = { host: node.host, port: node.port };
    const socket = check.tls
      ? tls.connect({ ...base, rejectUnauthorized: check.tlsVerify, ...(net.isIP(node.host) === 0 ? { servername: node.host } : {}) })
      : net.connect(base);
    const conn = new ThriftProbeConnection(socket, check, address, onClosedIdle);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      conn.lost ??= err;
      conn.waiter?.(err);
    });
    try {
      await conn.wait(deadline, 'connect', () => (check.tls ? conn.secure : !socket.connecting));
      if (check.thriftAuth === 'plain') await conn.negotiate(deadline);
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  get broken(): boolean {
    return this.lost !== undefined || this.socket.destroyed;
  }

  /** One GetInfo round trip; resolves with the reply's summary. */
  async getInfo(deadline: number): Promise<ReplySummary> {
    if (this.lost) throw this.lost;
    if (this.buf.length) throw new CheckGarbageError('thrift probe', this.address, `${this.buf.length} unrequested bytes between calls`);
    const call = getInfoCall(++this.seqid);
    const framed = this.check.thriftAuth === 'plain';
    this.socket.write(framed ? frame(call) : call);
    let reply: ReplySummary | undefined;
    await this.wait(deadline, 'GetInfo', () => {
      reply = this.readReply(framed);
      return reply !== undefined;
    });
    this.buf = this.buf.subarray(reply!.end);
    return reply!;
  }

  private readReply(framed: boolean): ReplySummary | undefined {
    const b = this.buf;
    if (!framed && (b[0] === SaslStatus.BAD || b[0] === SaslStatus.ERROR)) {
      const sasl = readSaslFrame(b, 0, MAX_REPLY_BYTES);
      if (sasl.kind === 'incomplete') return undefined;
      if (sasl.kind === 'frame') {
        throw new CheckSaslRejectedError(
          this.address,
          saslStatusName(sasl.frame.status),
          `${printable(sasl.frame.payload)} (the node expects SASL: set thriftAuth: plain)`,
          true,
        );
      }
    }
    let start = 0;
    if (framed) {
      if (b.length < 4) return undefined;
      const size = b.readUInt32BE(0);
      if (size > MAX_REPLY_BYTES) throw new CheckGarbageError('GetInfo', this.address, `frame of ${size} bytes`);
      if (b.length < 4 + size) return undefined;
      start = 4;
    }
    try {
      return readReply(new Reader(b, start, MAX_REPLY_BYTES));
    } catch (err) {
      if (err instanceof Incomplete) {
        if (framed) throw new CheckGarbageError('GetInfo', this.address, 'reply shorter than its frame');
        return undefined;
      }
      if (err instanceof Malformed) throw new CheckGarbageError('GetInfo', this.address, err.message);
      throw err;
    }
  }

  /** PLAIN as a Java client sends it: START and the credentials at once, then COMPLETE back. */
  private async negotiate(deadline: number): Promise<void> {
    const user = this.check.user ?? 'anonymous';
    const password = this.check.password ?? 'anonymous';
    this.socket.write(Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), encodeSaslFrame(SaslStatus.COMPLETE, Buffer.from(`\0${user}\0${password}`))]));
    let end = 0;
    await this.wait(deadline, 'SASL negotiation', () => {
      const read = readSaslFrame(this.buf, 0, MAX_REPLY_BYTES);
      if (read.kind === 'incomplete') return false;
      if (read.kind === 'invalid') throw new CheckGarbageError('SASL negotiation', this.address, read.reason);
      const { status, payload } = read.frame;
      if (status === SaslStatus.COMPLETE) {
        end = read.frame.end;
        return true;
      }
      const message = printable(payload);
      throw new CheckSaslRejectedError(this.address, saslStatusName(status), message, LOGIN_FAILED.test(message));
    });
    this.buf = this.buf.subarray(end);
  }

  /**
   * Waits until `done()` says so, the connection fails, or the deadline passes. `done` may throw
   * to fail the wait (garbage, a rejection).
   */
  private wait(deadline: number, what: string, done: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = Math.max(0, deadline - Date.now());
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.socket.off('connect', onReady);
        this.socket.off('secureConnect', onSecure);
        if (err) {
          this.lost ??= err;
          this.dropped = true;
          this.socket.destroy();
          reject(err);
        } else resolve();
      };
      const attempt = (err?: Error) => {
        if (err) return finish(err);
        try {
          if (done()) finish();
        } catch (e) {
          finish(e as Error);
        }
      };
      const onReady = () => attempt();
      const onSecure = () => {
        this.secure = true;
        attempt();
      };
      this.waiter = attempt;
      this.socket.on('connect', onReady);
      this.socket.on('secureConnect', onSecure);
      const timer = setTimeout(() => finish(new CheckTimeoutError(`thrift probe ${what}`, this.address, this.check.timeoutMs)), timeoutMs);
      if (this.lost) return finish(this.lost);
      attempt();
    });
  }

  destroy(): void {
    this.dropped = true;
    this.lost ??= new CheckConnectionLostError('thrift probe', this.address, 'was dropped by the checker');
    this.socket.destroy();
  }
}
