import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { track } from './registry.js';

/** The same entry point the Dockerfile and the systemd unit run. */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface RouterProcess {
  child: ChildProcess;
  port: number;
  lines: Array<Record<string, unknown>>;
  /** Every stdout line as written, for checks JSON.parse cannot make (duplicate keys). */
  raw: string[];
  rssKiB(): number;
  /**
   * Resolves with the exit code. A test that sends SIGTERM itself awaits this, not stop(): a
   * second SIGTERM racing the process's own exit (Node restores the default handlers as it
   * exits) would end it with a signal and a null code.
   */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `livy-router run` as a real process (stopped after the test) and waits for its first
 * 'listening' log line. `maxOpenFiles`: run it under `ulimit -n` (exec keeps the pid).
 */
export async function startRouterProcess(args: string[], timeoutMs = 10_000, maxOpenFiles?: number): Promise<RouterProcess> {
  // Tests read log lines the moment they happen: one write per line unless a test asks for batches.
  const flush = args.includes('--log-flush-ms') ? [] : ['--log-flush-ms', '0'];
  const argv = [process.execPath, CLI, 'run', '--listen', '127.0.0.1:0', ...flush, ...args];
  const child =
    maxOpenFiles === undefined
      ? spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${maxOpenFiles} && exec "$@"`, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const rl = createInterface({ input: child.stdout! });
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`router did not listen within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`router exited with ${code}: ${stderr}`));
    });
    rl.on('line', (line) => {
      raw.push(line);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(rec);
      if (rec.msg === 'listening' && typeof rec.address === 'string') {
        clearTimeout(timer);
        resolve(Number(rec.address.split(':').pop()));
      }
    });
  });
  let port: number;
  try {
    port = await listening;
  } catch (err) {
    // A router that never said it listens must not outlive the test that started it.
    child.kill('SIGKILL');
    await exited;
    rl.close();
    throw err;
  }
  return track({
    child,
    port,
    lines,
    raw,
    exited,
    rssKiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      rl.close();
      // The CLI's last-resort exit names what stop() left open: that is a bug, whatever the code.
      const forced = lines.find((l) => l.msg === 'handles left open after stop: exiting anyway' || l.msg === 'stop did not finish: exiting anyway');
      if (forced) throw new Error(`router exit was forced: ${JSON.stringify(forced)}`);
      return code;
    },
  });
}
