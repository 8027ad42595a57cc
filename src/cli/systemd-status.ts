import type { Service } from '../service.js';
import type { SystemdNotifier } from './systemd-notify.js';

/** How often the connection count in `systemctl status` is brought up to date. */
const REFRESH_MS = 10_000;

export function statusLine(svc: Service): string {
  const active = svc.cluster.active()?.config.name;
  const listening = svc.listenAddresses.map((a) => `${a.address}:${a.port}`).join(', ');
  return `${active ? `active node: ${active}` : 'NO active Livy node'}; ${svc.openSessions()} connection(s) open, ${svc.heldClients()} waiting; listening on ${listening}`;
}

/**
 * Keeps STATUS= (the line `systemctl status` shows) current: at once when the cluster model
 * changes, and every REFRESH_MS for the connection count. One systemd-notify at a time; a change
 * during a send is sent after it. Returns its stop.
 */
export function keepSystemdStatus(svc: Service, systemd: SystemdNotifier): () => void {
  let sent = '';
  let sending = false;
  let again = false;
  let stopped = false;
  const send = (): void => {
    if (stopped) return;
    if (sending) {
      again = true;
      return;
    }
    const line = statusLine(svc);
    if (line === sent) return;
    sending = true;
    sent = line;
    void systemd.notify({ STATUS: line }).then(() => {
      sending = false;
      if (again) {
        again = false;
        send();
      }
    });
  };
  const unsubscribe = svc.cluster.onChange(send);
  const timer = setInterval(send, REFRESH_MS);
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
  };
}
