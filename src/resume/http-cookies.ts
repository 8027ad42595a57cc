// The auth cookies nodes set for HTTP sessions (onActiveLost: resume), router-wide: Hive JDBC keeps
// one cookie store per connection and may use a cookie set for one of its sessions on calls of
// another, so a cookie stands for a login, not for a session. Which node set it tells a cookie the
// current node would refuse (after a failover). Memory only, never logged; bounded in count and time.
import { requestCookies } from '../wire/http-exchange.js';
import type { HttpHead } from '../wire/http-message.js';

export const AUTH_COOKIE = 'hive.server2.auth';
/** Cookies remembered at most (the oldest go first). */
const MAX_COOKIES = 10_000;

interface CookieOwner {
  /** The digest of the Authorization header of the login it was set for ('' for none). */
  login: string;
  /** That login's Authorization header, to repeat it for a session opened with the cookie alone. */
  authorization: string | undefined;
  node: string;
  seen: number;
}

export class CookieLogins {
  private readonly byValue = new Map<string, CookieOwner>();

  set(value: string, owner: Omit<CookieOwner, 'seen'>): void {
    this.byValue.delete(value);
    this.byValue.set(value, { ...owner, seen: Date.now() });
    if (this.byValue.size > MAX_COOKIES) this.byValue.delete(this.byValue.keys().next().value!);
  }

  /** The owners of the auth cookies a request carries, those the router knows. */
  owners(head: HttpHead): CookieOwner[] {
    const now = Date.now();
    return requestCookies(head, AUTH_COOKIE).flatMap((value) => {
      const owner = this.byValue.get(value);
      if (owner) owner.seen = now;
      return owner ? [owner] : [];
    });
  }

  node(value: string): string | undefined {
    return this.byValue.get(value)?.node;
  }

  /** Forgets cookies no request carried since `before` (epoch ms). */
  sweep(before: number): void {
    for (const [value, owner] of this.byValue) if (owner.seen < before) this.byValue.delete(value);
  }

  clear(): void {
    this.byValue.clear();
  }
}
