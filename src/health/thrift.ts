import { classifyProbeError } from './probe-errors.js';
import { createPool, type Pool } from 'generic-pool';
import { StatusCode, MessageType } from '../wire/thrift-codec.js';
import type { Checker, CheckerContext, CheckOutcome } from './checker.js';
import { CheckSaslRejectedError, CheckTimeoutError } from './errors.js';
import { ThriftProbeConnection } from './thrift-connection.js';

/** Messages a passive HiveServer2/Livy puts in an error status. */
const INACTIVE = /inactive|not active|follower|standby|passive/i;

/**
 * A connection, or why there is none. The pool's factory never rejects: generic-pool retries a
 * failed create in a loop for as long as an acquire waits, which would hammer a dead node.
 */
type Slot = { conn: ThriftProbeConnection } | { error: Error };

/**
 * The transport handshake and a GetInfo on the node's Thrift port, over one connection kept in a
 * pool of one between checks: Livy sees one long-lived connection instead of a new worker and a
 * log line every interval, and a hung node shows as a GetInfo timeout on that connection. The pool
 * validates the connection before each use and evicts it on any failure.
 */
export class ThriftChecker implements Checker {
  private readonly pool: Pool<Slot>;
  private deadline = 0;

  constructor(private readonly ctx: CheckerContext) {
    this.pool = createPool<Slot>(
      {
        create: async () => {
          try {
            return { conn: await ThriftProbeConnection.open(ctx.node, ctx.check, this.deadline, ctx.onProbeLost) };
          } catch (err) {
            return { error: err as Error };
          }
        },
        destroy: async (slot) => {
          if ('conn' in slot) slot.conn.destroy();
        },
        // An error slot is "valid" so that acquire hands it to check(), which reports it and
        // destroys it; refusing it here would make the pool create again at once, in a loop.
        validate: async (slot) => 'error' in slot || !slot.conn.broken,
      },
      { max: 1, min: 0, testOnBorrow: true, autostart: false },
    );
  }

  async check(): Promise<CheckOutcome> {
    this.deadline = Date.now() + this.ctx.check.timeoutMs;
    const slot = await this.pool.acquire();
    if ('error' in slot) {
      await this.pool.destroy(slot);
      return this.failureOutcome(slot.error);
    }
    try {
      const reply = await slot.conn.getInfo(this.deadline);
      await this.pool.release(slot);
      return this.replyOutcome(reply.type, reply.statusCode, reply.errorMessage);
    } catch (err) {
      await this.pool.destroy(slot);
      return this.failureOutcome(err as Error);
    }
  }

  private replyOutcome(type: number, statusCode: number | undefined, message: string | undefined): CheckOutcome {
    if (type === MessageType.EXCEPTION) {
      return { state: 'active', reason: `GetInfo answered with an exception (the Thrift service is up): ${message ?? ''}` };
    }
    if (statusCode === StatusCode.ERROR && message !== undefined && INACTIVE.test(message)) {
      return { state: 'passive', reason: `GetInfo error "${message}"` };
    }
    // An error for the dummy handle is still an answer from a serving Thrift service.
    const status = statusCode === StatusCode.SUCCESS ? 'SUCCESS' : `status ${statusCode ?? 'none'} "${message ?? ''}"`;
    return { state: 'active', reason: `GetInfo ${status}` };
  }

  private failureOutcome(err: Error): CheckOutcome {
    if (err instanceof CheckSaslRejectedError) {
      if (err.credentials) return { state: 'alive', reason: `${err.message}: probe credentials rejected`, misconfigured: true };
      return { state: 'passive', reason: err.message };
    }
    if (err instanceof CheckTimeoutError) return { state: 'down', reason: err.message };
    const e = err as NodeJS.ErrnoException;
    switch (classifyProbeError(e.code)) {
      case 'unreachable':
        return { state: 'down', reason: `thrift port ${this.ctx.node.host}:${this.ctx.node.port}: ${e.code}` };
      case 'tls':
        return { state: 'alive', reason: `TLS to the Thrift port failed (${e.code}); trust the node's CA or set tlsVerify: false`, misconfigured: true };
      case 'lost':
        // PROTOCOL.md: accepted, then closed or reset before any answer is how some passive nodes reject.
        return { state: 'passive', reason: err.message };
      default:
        return { state: 'down', reason: err.message };
    }
  }

  async close(): Promise<void> {
    await this.pool.drain();
    await this.pool.clear();
  }
}
