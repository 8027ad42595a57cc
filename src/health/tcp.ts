import { dial } from '../upstream/dial.js';
import type { Checker, CheckerContext, CheckOutcome } from './checker.js';

/**
 * Connect, then close: says whether the Thrift port takes connections, never which node is
 * active (a passive Livy may accept TCP too). The client dials decide the role.
 */
export class TcpChecker implements Checker {
  constructor(private readonly ctx: CheckerContext) {}

  async check(): Promise<CheckOutcome> {
    const { name, host, port } = this.ctx.node;
    const d = dial({ name, host, port }, this.ctx.check.timeoutMs);
    try {
      const socket = await d.connected;
      socket.on('error', () => {});
      socket.destroy();
      return { state: 'alive', reason: `tcp connect to ${host}:${port} succeeded` };
    } catch (err) {
      return { state: 'down', reason: (err as Error).message };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
