import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const UNIT = 'config/livy-router.service';
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

describe('the systemd unit', () => {
  const lines = readFileSync(UNIT, 'utf8').split('\n');
  const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

  it.skipIf(!hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    expect(execFileSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
  });

  it('reload checks the file with the same program and config as ExecStart, then sends SIGHUP', () => {
    const [start] = values('ExecStart');
    const reload = values('ExecReload');
    expect(reload).toHaveLength(2);
    // Same node, same entry point, same --config: only the command differs.
    expect(reload[0]).toBe(start!.replace(' run ', ' check-config '));
    expect(reload[0]).toContain(' check-config --config /etc/livy-router/config.yaml');
    expect(reload[1]).toBe('/bin/kill -HUP $MAINPID');
  });
});
