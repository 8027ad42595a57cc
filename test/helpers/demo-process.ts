import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { eventually } from './eventually.js';
import { onStop } from './registry.js';
import { CLI } from './router-process.js';

/** `livy-router demo ARGS` as a user runs it, its stdout lines collected; SIGKILLed after the test unless it exited. */
export function startDemo(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  onStop(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rl.close();
  });
  const line = (re: RegExp, what: string, timeoutMs = 10_000) => eventually(() => lines.find((l) => re.test(l)), { what, timeoutMs });
  return { child, lines, exited, line, stderr: () => stderr };
}
