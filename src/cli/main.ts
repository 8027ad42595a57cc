#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { RouterError } from '../errors.js';
import { checkConfigCommand } from './check-config.js';
import { withConfigFlags, type ConfigArgs } from './options.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { withCmFlags } from '../config/cloudera-manager-flags.js';
import type { DiscoverArgs } from './discover.js';

const setExit = (p: Promise<number>) =>
  p.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // A RouterError's message holds the facts a user needs; anything else is a bug: show where.
      const text = err instanceof RouterError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`livy-router: ${text}\n`);
      process.exitCode = 1;
    },
  );

await yargs(hideBin(process.argv))
  .scriptName('livy-router')
  .usage('$0 <command> [options]\n\nOne host:port for JDBC/Thrift clients in front of a highly available Apache Livy cluster.')
  .command(
    'run',
    'route client connections to the active Livy node',
    (y) => withConfigFlags(y),
    (argv) => setExit(runCommand(argv as ConfigArgs)),
  )
  .command(
    'check-config',
    'validate a config file (with the same flags as run); exit 1 when invalid',
    (y) => withConfigFlags(y),
    (argv) => setExit(checkConfigCommand(argv as ConfigArgs)),
  )
  .command(
    'discover',
    'ask Cloudera Manager for the Livy server roles and print the node list the router would use, and why each role was kept or skipped',
    (y) =>
      withCmFlags(y)
        .option('config', { alias: 'c', type: 'string', describe: 'a config file whose clouderaManager block to use (flags override it)' })
        .option('cluster', { type: 'string', describe: 'the CM cluster (default: the only one)' })
        .option('service', { type: 'string', describe: 'the Livy service (default: the only one)' })
        .option('node-transport', { type: 'string', choices: ['binary', 'http'], describe: 'what the Livy nodes must speak' })
        .option('json', { type: 'boolean', default: false, describe: 'print the answer as JSON' }),
    async (argv) => {
      const { discoverCommand } = await import('./discover.js');
      const { cluster, service, ...rest } = argv;
      await setExit(
        discoverCommand({
          ...(rest as DiscoverArgs),
          ...(cluster !== undefined ? { cmCluster: cluster } : {}),
          ...(service !== undefined ? { cmService: service } : {}),
        }),
      );
    },
  )
  .command(
    'status',
    "show the nodes and the active one, from a running router's admin endpoint (exit 0: a node is active, 2: none, 1: unreachable)",
    (y) =>
      y
        .option('admin', {
          type: 'string',
          default: process.env.LIVY_ROUTER_ADMIN || '127.0.0.1:9090',
          defaultDescription: '$LIVY_ROUTER_ADMIN, else 127.0.0.1:9090',
          describe: 'HOST:PORT or URL of the admin endpoint',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the /status JSON instead of a table' })
        .option('healthz', {
          type: 'boolean',
          default: false,
          describe: 'only ask /healthz (exit 0: the router serves, 1: it does not); for container health checks',
        })
        .option('timeout-ms', { type: 'number', default: 5000, describe: 'how long to wait for the answer' }),
    (argv) => setExit(statusCommand({ admin: argv.admin, json: argv.json, healthz: argv.healthz, timeoutMs: argv.timeoutMs })),
  )
  .command(
    'demo',
    'start a simulated 3-node Livy HA cluster, the router and two clients, and watch them follow the active node',
    (y) =>
      y
        .option('port', { type: 'number', default: 10090, describe: 'router port (0 = any free port)' })
        .option('admin', {
          type: 'string',
          default: '127.0.0.1:9090',
          describe: 'HOST:PORT of the admin endpoint (port 0 = any free port; a taken 9090 falls back to it), or off',
        })
        .option('interval-ms', { type: 'number', default: 1000, describe: 'time between client queries' })
        .option('move-every-ms', { type: 'number', default: 10000, describe: 'time between moves of the active node' })
        .option('duration-ms', { type: 'number', default: 0, describe: 'stop after this long (0 = until Ctrl-C)' })
        .option('cloudera-manager', {
          type: 'boolean',
          default: false,
          describe: 'take the nodes from a simulated Cloudera Manager, and start/stop a Livy role there instead of moving the leader',
        })
        .option('zookeeper', {
          type: 'string',
          describe: 'HOST:PORT of a ZooKeeper: the router registers there and the clients find it there, as Hive JDBC does',
        }),
    async (argv) => {
      const { demoCommand } = await import('./demo.js');
      await setExit(
        demoCommand({
          port: argv.port,
          admin: argv.admin,
          intervalMs: argv.intervalMs,
          moveEveryMs: argv.moveEveryMs,
          durationMs: argv.durationMs,
          clouderaManager: argv.clouderaManager,
          ...(argv.zookeeper !== undefined ? { zookeeper: argv.zookeeper } : {}),
        }),
      );
    },
  )
  .demandCommand(1, 'name a command: run, status, check-config, discover or demo')
  .strict()
  .help()
  .alias('help', 'h')
  .version()
  .parseAsync();
