import type { NodeConfig } from '../config/schema.js';

/**
 * The configured node a 307's Location names (same host as configured and the node's REST port),
 * with the path to ask it for. Anything else is not the router's to follow: the client gets the 307.
 */
export function redirectTarget(
  location: string | undefined,
  nodes: readonly NodeConfig[],
  scheme: 'http' | 'https',
): { node: NodeConfig; path: string } | undefined {
  if (!location) return undefined;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${scheme}:`) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(url.port || (scheme === 'https' ? 443 : 80));
  const node = nodes.find((n) => n.host.toLowerCase() === host && n.restPort === port);
  return node ? { node, path: `${url.pathname}${url.search}` } : undefined;
}
