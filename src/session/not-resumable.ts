/** Why a session of this transport is closed, not resumed, at a failover (docs/failover.md). */
export function notResumableWhy(transport: string): string {
  if (transport === 'tls') return 'TLS is passed through: the router cannot read or repeat its bytes';
  if (transport === 'http') return 'an HTTP request the router cannot read whole (chunked, Expect: 100-continue or malformed)';
  return 'a login the router cannot repeat (Kerberos) or a first call other than OpenSession';
}
