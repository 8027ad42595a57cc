/**
 * One class per failure, each with a stable `code` and the facts in its message
 * (which node, which address, how long), so logs and clients can tell them apart.
 */
export class RouterError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ConnectTimeoutError extends RouterError {
  constructor(node: string, address: string, ms: number) {
    super('LR_CONNECT_TIMEOUT', `connect timeout (node ${node} ${address} after ${ms} ms)`);
  }
}

export class ConnectFailedError extends RouterError {
  constructor(node: string, address: string, cause: NodeJS.ErrnoException) {
    super('LR_CONNECT_FAILED', `connect failed (node ${node} ${address}: ${cause.code ?? cause.message})`, { cause });
  }
}

export class ConfigError extends RouterError {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('LR_CONFIG_INVALID', `invalid configuration (${source}):\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}
