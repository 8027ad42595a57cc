// The black-hole fault: one sim node lives in a network namespace reached through a veth pair
// that this file creates and removes. Setting the namespace's end of the pair down drops every
// packet silently (no RST, no ICMP): the node vanished from the network.
import { execFileSync } from 'node:child_process';
import { findOnPath } from './procs.js';

export interface NetNamespace {
  readonly name: string;
  /** The node's address inside the namespace; the host side is `.1`. */
  readonly nodeHost: string;
  blackhole(): void;
  restore(): void;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!findOnPath('ip')) return 'iproute2 (ip) not installed';
  try {
    const probe = `lrb-probe-${process.pid}`;
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (err) {
    return `ip netns failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function createNetNamespace(index: number): NetNamespace {
  const tag = `${process.pid % 10000}${index}`;
  const name = `lrbench-${tag}`;
  const hostIf = `lrb${tag}h`;
  const nsIf = `lrb${tag}n`;
  const subnet = `10.231.${(process.pid + index) % 250}`;
  const nodeHost = `${subnet}.2`;
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      ip('netns', 'del', name);
    } catch {
      // already gone
    }
    try {
      ip('link', 'del', hostIf);
    } catch {
      // deleting the namespace took the pair with it
    }
    try {
      ip('neigh', 'del', nodeHost, 'dev', hostIf);
    } catch {
      // gone with the link
    }
  };
  try {
    ip('netns', 'add', name);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${subnet}.1/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', name, 'addr', 'add', `${nodeHost}/30`, 'dev', nsIf);
    ip('-n', name, 'link', 'set', nsIf, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
    // A permanent neighbour entry: without it, ARP would fail after a few seconds and turn the
    // black hole into EHOSTUNREACH errors, which a proxy notices at once.
    const mac = /link\/ether ([0-9a-f:]+)/.exec(execFileSync('ip', ['-n', name, '-o', 'link', 'show', nsIf]).toString())?.[1];
    if (mac) ip('neigh', 'replace', nodeHost, 'lladdr', mac, 'dev', hostIf, 'nud', 'permanent');
  } catch (err) {
    remove();
    throw err;
  }
  return {
    name,
    nodeHost,
    blackhole: () => ip('-n', name, 'link', 'set', nsIf, 'down'),
    restore: () => ip('-n', name, 'link', 'set', nsIf, 'up'),
    remove,
  };
}
