// Why a hive-driver call made through hive-client.ts failed, one class per failure.

export type HiveClientErrorCode = 'HIVE_TIMEOUT' | 'HIVE_CONNECTION_LOST' | 'HIVE_AUTH' | 'HIVE_STATUS';

export abstract class HiveClientError extends Error {
  abstract readonly code: HiveClientErrorCode;
}

/** A call got no answer in time (a hung node, or a router holding the client). */
export class HiveTimeoutError extends HiveClientError {
  readonly code = 'HIVE_TIMEOUT';
  override readonly name = 'HiveTimeoutError';
}

/**
 * The connection closed or failed: refused, reset, closed by the server or a router, or, in HTTP
 * mode, a non-200 status other than 401 (`httpStatus`).
 */
export class HiveConnectionLostError extends HiveClientError {
  readonly code = 'HIVE_CONNECTION_LOST';
  override readonly name = 'HiveConnectionLostError';
  readonly httpStatus: number | undefined;

  constructor(message: string, options: { cause?: unknown; httpStatus?: number } = {}) {
    super(message, { cause: options.cause });
    this.httpStatus = options.httpStatus;
  }
}

/** The server turned the credentials down: a SASL BAD/ERROR frame, or HTTP 401. */
export class HiveAuthError extends HiveClientError {
  readonly code = 'HIVE_AUTH';
  override readonly name = 'HiveAuthError';
}

/** The server answered with an error status (ERROR_STATUS, INVALID_HANDLE_STATUS, a failed operation). */
export class HiveStatusError extends HiveClientError {
  readonly code = 'HIVE_STATUS';
  override readonly name = 'HiveStatusError';
}
