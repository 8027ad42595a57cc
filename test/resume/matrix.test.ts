// The full matrix of resume cases (bench/resume-matrix.sh runs it; RESUME_MATRIX=1): binary SASL
// PLAIN and NOSASL, kill -9 / SIGSTOP / demotion of the active (with the old active dropping its
// connections, or keeping them), five sessions each (idle, metadata, SELECT async and sync, INSERT in flight).
import { describe, test } from 'vitest';
import { fourSessions, rig, type Fault } from './helpers.js';

const cases: Array<[auth: 'plain' | 'nosasl', fault: Fault, keep: boolean]> = [];
for (const auth of ['plain', 'nosasl'] as const) {
  for (const fault of ['kill', 'hang', 'demote'] as const) cases.push([auth, fault, false]);
  cases.push([auth, 'demote', true]);
}

describe.runIf(process.env.RESUME_MATRIX === '1')('resume matrix', () => {
  test.each(cases)(
    '%s, %s (old active keeps its connections: %s)',
    async (auth, fault, keep) => {
      await fourSessions(await rig('resume', auth, keep), fault);
    },
    60_000,
  );
});
