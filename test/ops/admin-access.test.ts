import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminAccess, type AdminAccess } from '../../src/admin/access.js';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { validateConfig } from '../../src/config/validate.js';
import type { RouterConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';

const TOKEN = 'a-long-enough-admin-token';

function adminConfig(admin: Record<string, unknown>): RouterConfig['admin'] {
  const v = validateConfig({ nodes: [{ host: '127.0.0.1' }], admin });
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.config.admin;
}

/** One GET with the given Host and headers; the connection is closed after. */
function get(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('admin endpoint: Host check and bearer token', () => {
  let server: AdminServer;
  let port: number;
  let access: AdminAccess = loadAdminAccess(adminConfig({}));
  const handlers = {
    status: () => ({ ok: true }),
    metrics: () => Promise.resolve({ contentType: 'text/plain', body: 'm 1\n' }),
    notReadyReason: () => undefined,
  };

  beforeAll(async () => {
    server = await startAdminServer({ host: '127.0.0.1', port: 0 }, handlers, silentLogger(), () => access);
    port = server.address.port;
  });
  afterAll(() => server?.close());

  it('answers localhost and IP addresses, refuses other names (DNS rebinding) with 403', async () => {
    access = loadAdminAccess(adminConfig({}));
    for (const host of ['localhost', `localhost:${port}`, 'app.localhost', '127.0.0.1:9090', '10.1.2.3', '[::1]:9090', 'LOCALHOST.']) {
      expect(await get(port, '/status', { host }), host).toBe(200);
    }
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      expect(await get(port, '/status', { host }), host).toBe(403);
      expect(await get(port, '/healthz', { host }), host).toBe(403);
    }
  });

  it('answers the names in admin.allowedHosts, and any with "*"', async () => {
    access = loadAdminAccess(adminConfig({ allowedHosts: ['Router1.example.com'] }));
    expect(await get(port, '/metrics', { host: 'router1.example.com:9090' })).toBe(200);
    expect(await get(port, '/metrics', { host: 'router2.example.com' })).toBe(403);
    access = loadAdminAccess(adminConfig({ allowedHosts: ['*'] }));
    expect(await get(port, '/metrics', { host: 'router2.example.com' })).toBe(200);
  });

  it('with admin.token, /status and /metrics need the bearer token; probes do not', async () => {
    access = loadAdminAccess(adminConfig({ token: TOKEN }));
    expect(await get(port, '/status', {})).toBe(401);
    expect(await get(port, '/metrics', { authorization: `Bearer ${TOKEN}x` })).toBe(401);
    expect(await get(port, '/metrics', { authorization: `Basic ${TOKEN}` })).toBe(401);
    expect(await get(port, '/status', { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await get(port, '/metrics', { authorization: `bearer  ${TOKEN}` })).toBe(200);
    expect(await get(port, '/healthz', {})).toBe(200);
    expect(await get(port, '/readyz', {})).toBe(200);
  });

  it('reads admin.tokenFile, and refuses an empty or missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-admin-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, `${TOKEN}\n`);
      expect(loadAdminAccess(adminConfig({ tokenFile: file })).tokenDigest).toEqual(loadAdminAccess(adminConfig({ token: TOKEN })).tokenDigest);
      writeFileSync(file, '\n');
      expect(() => loadAdminAccess(adminConfig({ tokenFile: file }))).toThrow(/the file is empty/);
      expect(() => loadAdminAccess(adminConfig({ tokenFile: join(dir, 'none') }))).toThrow(/ENOENT/);
      expect(validateConfig({ nodes: [{ host: 'h' }], admin: { token: TOKEN, tokenFile: file } }).ok).toBe(false);
      expect(validateConfig({ nodes: [{ host: 'h' }], admin: { token: 'short' } }).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
