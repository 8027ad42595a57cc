import { NODE_SPEC, parseNodeSpec } from './cli-overrides.js';

export const NO_NODES = `no Livy nodes configured: add \`nodes:\` to the config file or give --node ${NODE_SPEC}`;

/**
 * What people write that the schema's shapes do not: no `nodes` at all (a missing or empty file),
 * a node as a `host:port` string, `admin: off`. Rewritten into the schema's shapes, or reported
 * in words an operator can act on instead of the schema's "expected array, received undefined".
 */
export interface Expanded {
  values: unknown;
  problems: string[];
  /** Paths already reported here (`nodes`, `nodes[2]`): the schema's issues under them are noise. */
  reported: string[];
}

export function expandShorthands(input: unknown): Expanded {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { values: input, problems: [], reported: [] };
  const values: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const problems: string[] = [];
  const reported: string[] = [];
  const noNodes = values.nodes === undefined || values.nodes === null || (Array.isArray(values.nodes) && values.nodes.length === 0);
  const fromCm = values.clouderaManager !== undefined && values.clouderaManager !== null;
  if (fromCm) {
    // One source of truth for where client passwords go: never a hand-kept list beside CM's.
    if (!noNodes) {
      problems.push('nodes: give nodes or clouderaManager, not both (with clouderaManager the Livy nodes come from Cloudera Manager)');
      reported.push('nodes');
    }
    values.nodes = [];
    const block = values.clouderaManager;
    if (typeof block === 'object' && block !== null && !Array.isArray(block) && 'password' in block) {
      problems.push('clouderaManager.password: never in the config file: write it to a file readable by the router only and give passwordFile');
      const rest: Record<string, unknown> = { ...block };
      delete rest.password;
      values.clouderaManager = rest;
      reported.push('clouderaManager.password');
    }
  } else if (noNodes) {
    problems.push(`nodes: ${NO_NODES}`);
    reported.push('nodes');
  } else if (Array.isArray(values.nodes)) {
    values.nodes = values.nodes.map((n: unknown, i) => {
      if (typeof n !== 'string') return n;
      const before = problems.length;
      const node = parseNodeSpec(n, `nodes[${i}]:`, problems);
      if (problems.length > before) reported.push(`nodes[${i}]`);
      return node ?? {};
    });
  }
  if (values.admin === 'off' || values.admin === false) values.admin = { enabled: false };
  return { values, problems, reported };
}
