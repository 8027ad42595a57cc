import { RouterError } from '../errors.js';

/** A check got no (complete) answer in time: how a hung or black-holed node shows. */
export class CheckTimeoutError extends RouterError {
  constructor(what: string, address: string, ms: number) {
    super('LR_CHECK_TIMEOUT', `${what} not answered by ${address} within ${ms} ms`);
  }
}

/** The node answered something that is not the protocol the check speaks. */
export class CheckGarbageError extends RouterError {
  constructor(what: string, address: string, detail: string) {
    super('LR_CHECK_GARBAGE', `${what}: ${address} answered garbage (${detail})`);
  }
}

/** The node closed or reset the probe connection before answering. */
export class CheckConnectionLostError extends RouterError {
  constructor(what: string, address: string, how: string) {
    super('LR_CHECK_CONNECTION_LOST', `${what}: ${address} ${how} before answering`);
  }
}

/** The node rejected the probe's SASL negotiation; `credentials` when the message says why. */
export class CheckSaslRejectedError extends RouterError {
  constructor(
    address: string,
    readonly status: string,
    readonly serverMessage: string,
    readonly credentials: boolean,
  ) {
    super('LR_CHECK_SASL_REJECTED', `thrift probe: ${address} answered SASL ${status} "${serverMessage}"`);
  }
}
