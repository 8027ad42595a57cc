import type { Checker, CheckerContext, CheckOutcome } from './checker.js';
import { authOutcome, httpFailureOutcome } from './http-outcome.js';
import { HttpProbe } from './http-probe.js';

const PATH = '/ha-status';

/**
 * `GET /ha-status` on the Livy REST port (CDP 7.3.3+): 200 leader, 503 follower. The cheapest
 * and most precise signal: no authentication, no session, one line in no log.
 */
export class HaStatusChecker implements Checker {
  private readonly probe: HttpProbe;
  private readonly hasUser: boolean;

  constructor(ctx: CheckerContext) {
    this.probe = new HttpProbe(ctx);
    this.hasUser = ctx.check.user !== undefined;
  }

  async check(): Promise<CheckOutcome> {
    const a = await this.probe.get(PATH);
    if ('kind' in a) return httpFailureOutcome(a);
    switch (a.status) {
      case 200:
        return { state: 'active', reason: `${PATH} 200 ${a.body.slice(0, 80)}`.trim() };
      case 503:
        return { state: 'passive', reason: `${PATH} 503 ${a.body.slice(0, 80)}`.trim() };
      case 401:
      case 403:
        return authOutcome(a.status, PATH, this.hasUser);
      case 404:
        return {
          state: 'alive',
          reason: `${PATH} answered 404: enable livy.server.ha-status.enabled, or use check kind rest`,
          misconfigured: true,
        };
      default:
        return { state: 'down', reason: `${PATH} answered unexpected status ${a.status}` };
    }
  }

  close(): Promise<void> {
    return this.probe.close();
  }
}
