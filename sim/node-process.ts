// Runs one SimNode as its own OS process, so a benchmark can kill -9 or SIGSTOP a real process.
// stdout carries exactly one line, {"ready":true,...}, once both ports are bound; logs go to stderr.
// SIGTERM / SIGINT close the node and exit 0.
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { startSimNode, type SimNode } from './node.js';
import type { PassiveStyle, SimNodeOptions } from './options.js';
import { loadTlsFixture } from './tls-fixture.js';

const USAGE = `usage: node-process.js --name NAME [--host 127.0.0.1] [--thrift-port 0] [--rest-port 0]
  [--transport binary|http] [--auth plain|nosasl] [--passive-style STYLE] [--role leader|follower]
  [--leader-rest-url URL] [--leader-thrift-url URL] [--user NAME:PASSWORD ...] [--tls-dir DIR] [--http-path PATH]
  [--keep-connections-on-demote] [--delay-reply METHOD:MS ...] [--log-level info]`;

interface Parsed {
  node: SimNodeOptions;
  role: 'leader' | 'follower';
  leaderRestUrl: string | undefined;
  leaderThriftUrl: string | undefined;
  logLevel: string;
}

function fail(message: string): never {
  process.stderr.write(`node-process: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function port(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${flag} must be a port number, got ${value}`);
  return n;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) fail(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function parse(argv: string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        name: { type: 'string' },
        host: { type: 'string' },
        'thrift-port': { type: 'string' },
        'rest-port': { type: 'string' },
        transport: { type: 'string' },
        auth: { type: 'string' },
        'passive-style': { type: 'string' },
        role: { type: 'string' },
        'leader-rest-url': { type: 'string' },
        'leader-thrift-url': { type: 'string' },
        user: { type: 'string', multiple: true },
        'tls-dir': { type: 'string' },
        'http-path': { type: 'string' },
        'keep-connections-on-demote': { type: 'boolean' },
        'delay-reply': { type: 'string', multiple: true },
        'log-level': { type: 'string' },
      },
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (!values.name) fail('--name is required');
  let users: Record<string, string> | undefined;
  for (const entry of values.user ?? []) {
    const colon = entry.indexOf(':');
    if (colon <= 0) fail(`--user must be NAME:PASSWORD, got ${entry}`);
    users = { ...users, [entry.slice(0, colon)]: entry.slice(colon + 1) };
  }
  const delayReplies: Record<string, number> = {};
  for (const entry of values['delay-reply'] ?? []) {
    const [method, ms] = entry.split(':');
    if (!method || !/^\d+$/.test(ms ?? '')) fail(`--delay-reply must be METHOD:MS, got ${entry}`);
    delayReplies[method] = Number(ms);
  }
  const styles: readonly PassiveStyle[] = [
    'refuse',
    'reset',
    'close',
    'sasl-bad',
    'sasl-error',
    'open-session-error',
    'hang',
    'http-307',
    'http-503',
    'http-502',
    'http-close',
  ];
  return {
    node: {
      name: values.name,
      host: values.host,
      thriftPort: port(values['thrift-port'], '--thrift-port'),
      restPort: port(values['rest-port'], '--rest-port'),
      transport: oneOf(values.transport, ['binary', 'http'] as const, '--transport'),
      auth: oneOf(values.auth, ['plain', 'nosasl'] as const, '--auth'),
      passiveStyle: oneOf(values['passive-style'], styles, '--passive-style'),
      users,
      tls: values['tls-dir'] ? loadTlsFixture(values['tls-dir']) : undefined,
      httpPath: values['http-path'],
      keepConnectionsOnDemote: values['keep-connections-on-demote'] ?? false,
      delayReplies,
    },
    role: oneOf(values.role, ['leader', 'follower'] as const, '--role') ?? 'follower',
    leaderRestUrl: values['leader-rest-url'],
    leaderThriftUrl: values['leader-thrift-url'],
    logLevel: values['log-level'] ?? 'info',
  };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const logger: Logger = pino({ level: args.logLevel }, pino.destination({ dest: 2, sync: true }));
  let node: SimNode | undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const closing = node ? node.close() : Promise.resolve();
    closing.then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    node = await startSimNode(args.node, {
      role: args.role,
      leaderRestUrl: args.leaderRestUrl,
      leaderThriftUrl: args.leaderThriftUrl,
      logger,
    });
  } catch (err) {
    logger.fatal({ err }, 'could not start the sim node');
    process.exit(1);
  }
  if (stopping) return;
  process.stdout.write(JSON.stringify({ ready: true, name: node.name, thriftPort: node.thriftPort, restPort: node.restPort }) + '\n');
}

void main();
