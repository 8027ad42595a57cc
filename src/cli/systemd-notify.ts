import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';

/** How long one `systemd-notify` may take before it is killed: it only writes one datagram. */
const NOTIFY_TIMEOUT_MS = 5000;

export interface SystemdNotifier {
  /** Sends `KEY=VALUE` assignments (READY=1, STATUS=..., STOPPING=1); resolves when delivered or given up. */
  notify(assignments: Record<string, string>): Promise<void>;
}

/**
 * sd_notify through the `systemd-notify` tool: Node has no unix datagram sockets, and a native
 * addon for one line at start-up is not worth it. The tool runs as a child of the router, so the
 * unit needs NotifyAccess=all; since systemd 246 it waits until the manager has read the message,
 * so the old race (the sender exiting before systemd looked up its cgroup) is gone.
 *
 * Without NOTIFY_SOCKET (not started by systemd with Type=notify) every call does nothing.
 */
export function systemdNotifier(notifySocket: string | undefined, log: Logger): SystemdNotifier {
  if (!notifySocket) return { notify: async () => {} };
  return {
    notify: (assignments) =>
      new Promise<void>((resolve) => {
        const args = Object.entries(assignments).map(([k, v]) => `${k}=${v}`);
        const child: ChildProcess = spawn('systemd-notify', args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), NOTIFY_TIMEOUT_MS);
        child.on('error', (err) => {
          clearTimeout(timer);
          log.warn({ err }, 'cannot run systemd-notify');
          resolve();
        });
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (code === 0) log.debug({ sent: args }, 'systemd notified');
          else log.warn({ sent: args, code, signal, stderr: stderr.trim() }, 'systemd-notify failed');
          resolve();
        });
      }),
  };
}
