// One re-login per user at a time until the new active has answered one (issue 19): when it
// refuses a user's login, that user's other sessions are not tried (a storm of re-logins could
// lock an LDAP account). Once a re-login of the user was accepted, the rest go on at once.
// Verdicts last `ttlMs` (holdMs): the failover they belong to.
import { ResumeError } from './reattach.js';

export type ReloginVerdict = 'accepted' | 'refused' | 'unknown';

export class ReloginGate {
  private readonly underWay = new Map<string, Promise<void>>();
  private readonly accepted = new Map<string, number>();
  private readonly refused = new Map<string, number>();

  constructor(private readonly ttlMs: () => number) {}

  /**
   * Waits while another re-login of `user` is under way. Returns undefined when a re-login of the
   * user was accepted lately (go on), or the function this session calls with its own verdict
   * (it leads: the others wait for it; only its first call counts). Throws login-refused when the
   * user was refused lately.
   */
  async enter(user: string): Promise<((verdict: ReloginVerdict) => void) | undefined> {
    for (;;) {
      if (this.fresh(this.refused, user)) throw new ResumeError('login-refused', 'the new active refused this user a moment ago: not tried again');
      if (this.fresh(this.accepted, user)) return undefined;
      const leader = this.underWay.get(user);
      if (!leader) break;
      await leader;
    }
    let release = (): void => {};
    this.underWay.set(user, new Promise<void>((resolve) => (release = resolve)));
    let settled = false;
    return (verdict) => {
      if (settled) return; // the first verdict counts (a login accepted, then OpenSession refused)
      settled = true;
      if (verdict === 'accepted') this.accepted.set(user, Date.now() + this.ttlMs());
      if (verdict === 'refused') this.refuse(user);
      this.underWay.delete(user);
      release();
    };
  }

  refuse(user: string): void {
    this.refused.set(user, Date.now() + this.ttlMs());
  }

  private fresh(verdicts: Map<string, number>, user: string): boolean {
    const until = verdicts.get(user);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    verdicts.delete(user);
    return false;
  }
}
