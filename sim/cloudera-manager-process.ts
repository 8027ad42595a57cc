// Runs the Cloudera Manager stand-in (cloudera-manager.ts) as its own OS process, so a test can
// kill it (CM down mid-run) and start it again on the same port. stdout carries one line,
// {"ready":true,"port":N,"controlPort":M}; SIGTERM / SIGINT close it and exit 0.
import { parseArgs } from 'node:util';
import { startSimClouderaManager, type SimCmState } from './cloudera-manager.js';
import { loadTlsFixture } from './tls-fixture.js';

const USAGE = 'usage: cloudera-manager-process.js --state JSON --user NAME:PASSWORD [--port 0] [--control-port 0] [--host 127.0.0.1] [--tls-dir DIR]';

function fail(message: string): never {
  process.stderr.write(`cloudera-manager-process: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        state: { type: 'string' },
        user: { type: 'string', multiple: true },
        port: { type: 'string' },
        'control-port': { type: 'string' },
        host: { type: 'string' },
        'tls-dir': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (!values.state) fail('--state is required');
  const users: Record<string, string> = {};
  for (const u of values.user ?? []) {
    const colon = u.indexOf(':');
    if (colon <= 0) fail(`--user must be NAME:PASSWORD, got ${u}`);
    users[u.slice(0, colon)] = u.slice(colon + 1);
  }
  const cm = await startSimClouderaManager({
    host: values.host,
    port: Number(values.port ?? 0),
    controlPort: Number(values['control-port'] ?? 0),
    users,
    state: JSON.parse(values.state) as SimCmState,
    ...(values['tls-dir'] ? { tls: loadTlsFixture(values['tls-dir']) } : {}),
  });
  const stop = () => void cm.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ ready: true, port: cm.port, controlPort: cm.controlPort })}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`cloudera-manager-process: ${(err as Error).message}\n`);
  process.exit(1);
});
