import net from 'node:net';

/** A port with nothing listening on it (bound, then closed). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Resolves with the socket's error code, or 'connected' if a connection was made (then closed). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
  });
}

export interface Exchange {
  /** Everything the peer sent before it closed. */
  answer: Buffer;
  closedAfterMs: number;
}

/**
 * One raw client: connects, writes `bytes`, and collects what comes back until the peer closes.
 * `leaveAfterMs`: the client destroys its socket itself after that long (a client that walks away).
 */
export function exchange(
  port: number,
  bytes: Buffer | undefined,
  { timeoutMs = 5000, leaveAfterMs }: { timeoutMs?: number; leaveAfterMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`peer did not close within ${timeoutMs} ms`));
    }, timeoutMs);
    const leave = leaveAfterMs === undefined ? undefined : setTimeout(() => s.destroy(), leaveAfterMs);
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('close', () => {
      clearTimeout(timer);
      clearTimeout(leave);
      resolve({ answer: Buffer.concat(parts), closedAfterMs: Date.now() - started });
    });
    if (bytes) s.write(bytes);
  });
}
