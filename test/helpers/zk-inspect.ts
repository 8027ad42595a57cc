// Reads a namespace the way an operator's zkCli would, through a real ZooKeeper session.
import { ZkClient } from '../../src/discovery/zk-client.js';
import { track } from './registry.js';

export interface Child {
  readonly name: string;
  readonly data: string;
  /** Session id in hex; all zeros for a persistent znode. */
  readonly owner: string;
}

export function zkSession(connect: string): ZkClient {
  return track(new ZkClient({ connect, sessionTimeoutMs: 4000, opTimeoutMs: 3000 }));
}

/** Children of /namespace with their data; [] when the namespace does not exist. */
export async function listNamespace(zk: ZkClient, namespace: string): Promise<Child[]> {
  let names: string[];
  try {
    names = await zk.children(`/${namespace}`);
  } catch (err) {
    if ((err as { code?: string }).code === 'NO_NODE') return [];
    throw err;
  }
  const out: Child[] = [];
  for (const name of names.sort()) {
    const path = `/${namespace}/${name}`;
    const data = await zk.data(path);
    const owner = await zk.owner(path);
    if (data !== undefined && owner !== undefined) out.push({ name, data, owner });
  }
  return out;
}
