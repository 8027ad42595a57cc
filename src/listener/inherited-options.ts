import type net from 'node:net';
import type { SessionOptions } from '../session/session.js';

/** TCP_NODELAY and keepalive as a committed connection wants them (config `session`). */
export type SocketPreset = Pick<SessionOptions, 'noDelay' | 'keepAliveInitialDelayMs'>;

/** The libuv TCP handle under a listening net.Server: Node.js exposes no public way to set options on it. */
interface ListeningHandle {
  setNoDelay?(enable: boolean): number;
  setKeepAlive?(enable: boolean, initialDelaySecs: number): number;
}

/**
 * Sets TCP_NODELAY and keepalive once, on the listening socket. Linux copies a listening socket's
 * options into every socket it accepts (the accepted socket is a clone of it, keepalive timer
 * included), so accepted clients need no setsockopt of their own: net.createServer's
 * `noDelay`/`keepAlive` options would issue 1 + 4 calls per accepted socket (issue 22). Returns the
 * preset when it was applied, undefined when the handle does not offer it (then each session sets
 * its client socket as before). Other systems inherit differently: Linux only.
 */
export function presetOnListener(server: net.Server, preset: SocketPreset): SocketPreset | undefined {
  if (process.platform !== 'linux') return undefined;
  const handle = (server as unknown as { _handle?: ListeningHandle })._handle;
  if (!handle?.setNoDelay || !handle.setKeepAlive) return undefined;
  if (handle.setNoDelay(preset.noDelay) !== 0) return undefined;
  const on = preset.keepAliveInitialDelayMs > 0;
  if (handle.setKeepAlive(on, Math.floor(preset.keepAliveInitialDelayMs / 1000)) !== 0) return undefined;
  return { ...preset };
}
