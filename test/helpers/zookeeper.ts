// A real ZooKeeper server (Debian's `zookeeper` package, installed by .ci/run) on a free port
// with a temporary data directory, stopped after the test that started it on every path.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { track } from './registry.js';

export const ZK_SERVER_SH = '/usr/share/zookeeper/bin/zkServer.sh';

export interface ZooKeeperServer {
  readonly port: number;
  readonly connect: string;
  /** Stops the server process (SIGKILL: as a crash would); the data directory stays for start(). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (sessions persisted in its log survive). */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/** A port nothing listens on (for a moment): for a server to start on, or for a refused connect. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `srvr` answers only once the server serves; a bare TCP accept comes earlier. */
function srvr(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', reject);
    let text = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('srvr: no answer')));
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('connect', () => socket.end('srvr'));
  });
}

/**
 * tickTime 500 ms lets the tests ask for short sessions (the server grants 2-20 ticks: 1-10 s).
 */
export async function startZooKeeper({ tickTimeMs = 500 }: { tickTimeMs?: number } = {}): Promise<ZooKeeperServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'livy-router-zk-'));
  const port = await freePort();
  const cfg = path.join(dir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      `tickTime=${tickTimeMs}`,
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  const start = async () => {
    output = '';
    // The script execs java, so the child's pid is the server's.
    const c = spawn(ZK_SERVER_SH, ['start-foreground', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ZOO_LOG_DIR: dir, SERVER_JVMFLAGS: '-Xmx128m -XX:TieredStopAtLevel=1' },
    });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`zookeeper exited with ${c.exitCode}: ${output.slice(-2000)}`);
      if ((await srvr(port).catch(() => '')).includes('Mode:')) return;
      if (Date.now() > deadline) {
        await kill();
        throw new Error(`zookeeper did not serve on 127.0.0.1:${port} within 20 s: ${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const server: ZooKeeperServer = {
    port,
    connect: `127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  track(server);
  await start();
  return server;
}
