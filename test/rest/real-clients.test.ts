// Issue 21: Python requests (sparkmagic's calls) and curl, with Basic auth, fail against a passive
// Livy node directly (they drop Authorization on the 307) and work through the router process.
import { describe, expect, it } from 'vitest';
import { PASSWORD, run, SPARKMAGIC, startRestCluster, USER } from './helpers.js';

interface Trace {
  ok: boolean;
  output?: { status: string; data: Record<string, string> };
  trace: Array<{ call: string; status: number; url: string; redirects: number[] }>;
}

describe('REST clients through the router (real processes, Basic auth, a passive listed first)', () => {
  it('Python requests doing sparkmagic calls: fails on the passive directly, succeeds through the router', async () => {
    const c = await startRestCluster();

    const direct = await run('python3', [SPARKMAGIC, c.passive.restUrl, USER, PASSWORD]);
    expect(direct.code).toBe(1);
    const failed = JSON.parse(direct.stdout) as Trace;
    // requests followed the 307 to the active and dropped the credentials there.
    expect(failed.trace[0]).toMatchObject({ call: 'POST /sessions', status: 401, redirects: [307] });
    expect(failed.trace[0]!.url).toContain(`:${c.active.restPort}/`);

    const routed = await run('python3', [SPARKMAGIC, c.restUrl, USER, PASSWORD]);
    expect(routed.stderr).toBe('');
    expect(routed.code).toBe(0);
    const ok = JSON.parse(routed.stdout) as Trace;
    expect(ok.output).toEqual({ status: 'ok', execution_count: 0, data: { 'text/plain': 'ran on livy-a: 1 + 1' } });
    expect(ok.trace.map((t) => t.call)).toEqual(
      expect.arrayContaining(['POST /sessions', 'GET /sessions/0', 'POST /sessions/0/statements', 'GET /sessions/0/statements/0', 'DELETE /sessions/0']),
    );
    // No redirect reached the client: the router sent every call to the active itself.
    expect(ok.trace.every((t) => t.redirects.length === 0 && t.url.startsWith(c.restUrl))).toBe(true);

    // The credentials never entered a log line, at debug level, while "request done" lines did.
    const done = c.router.lines.filter((l) => l.msg === 'request done');
    expect(done.length).toBeGreaterThanOrEqual(ok.trace.length);
    expect(done[0]).toMatchObject({ method: 'POST', path: '/sessions', status: 201, node: 'livy-a' });
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    for (const raw of c.router.raw) {
      expect(raw).not.toContain(basic);
      expect(raw).not.toContain(PASSWORD);
      expect(raw.toLowerCase()).not.toContain('authorization');
    }
  });

  it('curl (-L, without --location-trusted): 401 from the passive directly, 201 through the router', async () => {
    const c = await startRestCluster();
    const args = (base: string) => [
      '-sS',
      '-L',
      '-u',
      `${USER}:${PASSWORD}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"kind":"spark"}',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{num_redirects}',
      `${base}/sessions`,
    ];

    const direct = await run('curl', args(c.passive.restUrl));
    expect(direct.stdout).toBe('401 1');

    const routed = await run('curl', args(c.restUrl));
    expect(routed.stdout).toBe('201 0');
    const list = await run('curl', ['-sS', '-u', `${USER}:${PASSWORD}`, `${c.restUrl}/sessions`]);
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1, sessions: [{ id: 0, owner: USER, kind: 'spark' }] });
    // Without credentials the active's own 401 is passed on: the router adds none.
    const anonymous = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${c.restUrl}/batches`]);
    expect(anonymous.stdout).toBe('401');
  });
});
