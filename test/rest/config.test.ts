// The rest block: off when absent, defaults when present, every mistake reported with its path;
// --rest-listen turns it on from the command line.
import { describe, expect, it } from 'vitest';
import { applyCliFlags } from '../../src/config/cli-overrides.js';
import { validateConfig } from '../../src/config/validate.js';

const nodes = [{ host: 'livy1', port: 10090 }];

describe('rest config', () => {
  it('is off when absent, and has safe defaults when present', () => {
    const off = validateConfig({ nodes });
    expect(off.ok && off.config.rest).toBeUndefined();
    const on = validateConfig({ nodes, rest: {} });
    expect(on.ok && on.config.rest).toEqual({
      host: '0.0.0.0',
      port: 8998,
      maxReplayBodyBytes: 1024 * 1024,
      maxBodyBytes: 1024 * 1024 * 1024,
      maxHeaderBytes: 16 * 1024,
      headersTimeoutMs: 10000,
      requestTimeoutMs: 300000,
      idleTimeoutMs: 60000,
      keepAliveTimeoutMs: 5000,
      maxSocketsPerNode: 256,
    });
  });

  it('reports every mistake with its path', () => {
    const v = validateConfig({ nodes, rest: { port: 'x', tls: { cert: '/c.pem' }, maxReplayBodyBytes: -1, nodeTls: 'yes', extra: 1 } });
    expect(v.ok).toBe(false);
    expect(v.ok ? [] : [...v.problems].sort()).toEqual([
      'rest.extra: unknown option',
      'rest.maxReplayBodyBytes: must be at least 0',
      'rest.nodeTls: must be true or false',
      'rest.port: must be a number 0-65535',
      'rest.tls.key: must be a PEM file path',
    ]);
  });

  it("--rest-listen HOST:PORT turns it on, keeping the file's other rest settings", () => {
    const { values, problems } = applyCliFlags({ nodes, rest: { maxBodyBytes: 10 } }, { restListen: '127.0.0.1:18998' });
    expect(problems).toEqual([]);
    const v = validateConfig(values);
    expect(v.ok && v.config.rest).toMatchObject({ host: '127.0.0.1', port: 18998, maxBodyBytes: 10 });
    expect(applyCliFlags({ nodes }, { restListen: 'nope' }).problems).toEqual(['--rest-listen "nope": expected HOST:PORT']);
  });
});
