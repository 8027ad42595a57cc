import { RouterError } from '../errors.js';

export class AdminBindError extends RouterError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super('LR_ADMIN_BIND', `cannot bind the admin endpoint on ${host}:${port}: ${cause.code ?? cause.message}`, { cause });
  }
}
