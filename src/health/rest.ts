import type { Checker, CheckerContext, CheckOutcome } from './checker.js';
import { authOutcome, httpFailureOutcome } from './http-outcome.js';
import { HttpProbe, locationHint } from './http-probe.js';

/**
 * `GET <path>` on the Livy REST port, for builds without /ha-status: the active answers 200, a
 * passive one redirects (307/308) to the active, whose address is passed on as a hint.
 */
export class RestChecker implements Checker {
  private readonly probe: HttpProbe;
  private readonly path: string;
  private readonly hasUser: boolean;

  constructor(ctx: CheckerContext) {
    this.probe = new HttpProbe(ctx);
    this.path = ctx.check.path;
    this.hasUser = ctx.check.user !== undefined;
  }

  async check(): Promise<CheckOutcome> {
    const a = await this.probe.get(this.path);
    if ('kind' in a) return httpFailureOutcome(a);
    if (a.status === 200) return { state: 'active', reason: `GET ${this.path} 200` };
    if (a.status === 307 || a.status === 308) {
      const hint = locationHint(a.location);
      return {
        state: 'passive',
        reason: `GET ${this.path} ${a.status} to ${a.location ?? '(no Location)'}`,
        ...(hint ? { activeHint: hint } : {}),
      };
    }
    if (a.status === 401 || a.status === 403) return authOutcome(a.status, this.path, this.hasUser);
    return { state: 'down', reason: `GET ${this.path} answered unexpected status ${a.status}` };
  }

  close(): Promise<void> {
    return this.probe.close();
  }
}
