import { RouterError } from '../errors.js';

export class AdminBindError extends RouterError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const taken = cause.code === 'EADDRINUSE' ? ' (another process has the port, another livy-router perhaps)' : '';
    super(
      'LR_ADMIN_BIND',
      `cannot bind the admin endpoint on ${host}:${port}: ${cause.code ?? cause.message}${taken}; set another admin.port in the config or --admin HOST:PORT, or turn it off with admin: off / --admin off`,
      { cause },
    );
  }
}
