import http from 'node:http';
import https from 'node:https';
import type { NodeConfig } from '../config/schema.js';
import { REST_IDLE_SOCKETS_PER_NODE } from '../config/rest-schema.js';

/**
 * An idle kept-alive connection to a node is closed after this: under Jetty's default idle
 * timeout (30 s), so the router never sends a request on a socket the node is closing.
 */
const IDLE_SOCKET_MS = 15_000;

/**
 * One keep-alive Agent per node (node:http's pool). node:http rather than undici: the listener is
 * node:http, so the client's IncomingMessage pipes into a ClientRequest and back with the same
 * streams and backpressure, and the router takes no new dependency.
 */
export class NodeAgents {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly tls: boolean,
    private readonly ca: Buffer | undefined,
    private readonly maxSockets: number,
  ) {}

  get scheme(): 'http' | 'https' {
    return this.tls ? 'https' : 'http';
  }

  for(node: NodeConfig): http.Agent {
    const key = `${node.name}|${node.host}:${node.restPort}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const options = {
        keepAlive: true,
        maxSockets: this.maxSockets,
        maxFreeSockets: REST_IDLE_SOCKETS_PER_NODE,
        timeout: IDLE_SOCKET_MS,
        scheduling: 'lifo' as const,
      };
      agent = this.tls ? new https.Agent({ ...options, ...(this.ca ? { ca: this.ca } : {}) }) : new http.Agent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes every pooled connection (in-flight requests are ended by their exchanges first). */
  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}
