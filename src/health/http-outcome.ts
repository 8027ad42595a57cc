import type { CheckOutcome } from './checker.js';
import type { HttpFailure } from './http-probe.js';

/**
 * What an HTTP check that got no answer says of the node. A refused connect, a timeout, a reset
 * or garbage all mean "not an active Livy"; an untrusted certificate means "cannot tell".
 */
export function httpFailureOutcome(f: HttpFailure): CheckOutcome {
  switch (f.kind) {
    case 'tls':
      return {
        state: 'alive',
        reason: `TLS to the REST port failed (${(f.error as NodeJS.ErrnoException).code ?? f.error.message}); trust the node's CA (NODE_EXTRA_CA_CERTS) or set tlsVerify: false`,
        misconfigured: true,
      };
    case 'refused': {
      // A connect error carries the address and port it tried: name the port, the REST one (not the Thrift one).
      const err = f.error as NodeJS.ErrnoException & { port?: number };
      return { state: 'down', reason: `REST port${err.port === undefined ? '' : ` ${err.port}`}: ${err.code ?? err.message}` };
    }
    default:
      return { state: 'down', reason: f.error.message };
  }
}

/** 401/403: the node is up and guards the path; our credentials (or none) are not accepted. */
export function authOutcome(status: number, path: string, hasUser: boolean): CheckOutcome {
  return {
    state: 'alive',
    reason: `GET ${path} answered ${status}: ${hasUser ? 'the check credentials were rejected' : 'the node wants credentials (set health.user/password)'}`,
    misconfigured: true,
  };
}
