import type { Argv } from 'yargs';

/** The `clouderaManager` block's common fields as flags; never the password itself (a file). */
export interface CmFlags {
  cmUrl?: string;
  cmCluster?: string;
  cmService?: string;
  cmUser?: string;
  cmPasswordFile?: string;
  cmCaFile?: string;
}

export function withCmFlags<T>(y: Argv<T>) {
  return y
    .option('cm-url', { type: 'string', describe: 'Cloudera Manager URL (https://cm.example.com:7183): take the Livy nodes from its Livy server roles' })
    .option('cm-cluster', { type: 'string', describe: 'the CM cluster (default: the only one)' })
    .option('cm-service', { type: 'string', describe: 'the Livy service in it (default: the only one)' })
    .option('cm-user', { type: 'string', describe: 'a read-only CM user' })
    .option('cm-password-file', { type: 'string', describe: "file whose first line is that user's password" })
    .option('cm-ca-file', { type: 'string', describe: "PEM file of the CAs CM's certificate chains to" });
}

/** `--cm-url` alone starts a block; the others change the file's block (or say what is missing). */
export function applyCmFlags(values: Record<string, unknown>, flags: CmFlags, problems: string[]): void {
  const given: Array<[keyof CmFlags, string, string]> = [
    ['cmUrl', 'url', '--cm-url'],
    ['cmCluster', 'cluster', '--cm-cluster'],
    ['cmService', 'service', '--cm-service'],
    ['cmUser', 'user', '--cm-user'],
    ['cmPasswordFile', 'passwordFile', '--cm-password-file'],
    ['cmCaFile', 'caFile', '--cm-ca-file'],
  ];
  const set = given.filter(([flag]) => flags[flag] !== undefined);
  if (set.length === 0) return;
  const current =
    typeof values.clouderaManager === 'object' && values.clouderaManager !== null ? (values.clouderaManager as Record<string, unknown>) : undefined;
  if (!current && flags.cmUrl === undefined) {
    problems.push(`${set.map(([, , f]) => f).join(', ')}: needs --cm-url URL or clouderaManager in the config file`);
    return;
  }
  const block: Record<string, unknown> = { ...current };
  for (const [flag, field] of set) block[field] = flags[flag];
  values.clouderaManager = block;
}
