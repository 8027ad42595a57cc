import type { Argv } from 'yargs';
import { withCmFlags, type CmFlags } from '../config/cloudera-manager-flags.js';

/** Flags shared by `run` and `check-config`: they override or replace what the file says. */
export function withConfigFlags<T>(y: Argv<T>) {
  return withCmFlags(y)
    .option('config', { alias: 'c', type: 'string', describe: 'YAML config file (see config/livy-router.example.yaml)' })
    .option('listen', {
      type: 'string',
      array: true,
      describe: "HOST:PORT[,transport=binary|http|auto] to accept clients on (repeatable; replaces the file's listeners)",
    })
    .option('node', {
      type: 'string',
      array: true,
      describe: "[NAME=]HOST:PORT[,rest=RESTPORT] of a Livy node (repeatable; order is priority; replaces the file's nodes)",
    })
    .option('node-transport', { type: 'string', choices: ['binary', 'http'], describe: 'what the Livy nodes speak' })
    .option('on-active-lost', {
      type: 'string',
      choices: ['close', 'keep', 'resume'],
      describe: 'what happens to sessions on a lost active node: close (default), keep, or resume them on the new active (docs/failover.md)',
    })
    .option('connect-timeout-ms', { type: 'number', describe: 'TCP connect timeout per node' })
    .option('check', { type: 'string', choices: ['ha-status', 'rest', 'thrift', 'tcp', 'none'], describe: 'health-check kind for every node' })
    .option('admin', { type: 'string', describe: 'HOST:PORT of the admin endpoint (/status, /metrics, /healthz, /readyz), or off' })
    .option('rest-listen', { type: 'string', describe: "HOST:PORT to serve Livy's REST API on, always from the active node (docs/rest.md)" })
    .option('zk-connect', {
      type: 'string',
      describe: 'HOST:PORT[,HOST:PORT...] of ZooKeeper: register this router there as HiveServer2 does (docs/router-ha.md)',
    })
    .option('zk-namespace', { type: 'string', describe: 'parent znode for --zk-connect (default livy-router)' })
    .option('advertise', {
      type: 'string',
      describe: "HOST:PORT clients find in ZooKeeper (default: the listener address, or this host's name when it listens on a wildcard)",
    })
    .option('log-level', { type: 'string', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: 'log level' })
    .option('log-pretty', { type: 'boolean', describe: 'human-readable logs instead of JSON lines' })
    .option('log-flush-ms', { type: 'number', describe: 'write log lines in batches within this many ms (0: one write per line)' })
    .option('observe-sessions', {
      type: 'boolean',
      describe: 'decode the Thrift calls of committed sessions for metrics, /status and slow-call logs (session.observe)',
    });
}

export interface ConfigArgs extends CmFlags {
  config?: string;
  listen?: string[];
  node?: string[];
  nodeTransport?: string;
  onActiveLost?: string;
  connectTimeoutMs?: number;
  check?: string;
  admin?: string;
  restListen?: string;
  zkConnect?: string;
  zkNamespace?: string;
  advertise?: string;
  logLevel?: string;
  logPretty?: boolean;
  logFlushMs?: number;
  observeSessions?: boolean;
}
