// The self-signed test certificate committed under test/fixtures/tls (CN/SAN localhost and
// 127.0.0.1). For tests, the demo and benchmarks only: its private key is public.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface TlsFixture {
  key: Buffer;
  cert: Buffer;
  /** The certificate is its own CA: trust it with `ca: cert`. */
  ca: Buffer;
  /** The name the certificate is valid for. */
  servername: 'localhost';
}

/** The repository root, from src/sim (sources) or dist/src/sim (compiled). */
function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.basename(path.resolve(here, '..', '..')) === 'dist';
  return compiled ? path.resolve(here, '..', '..', '..') : path.resolve(here, '..', '..');
}

export function tlsFixtureDir(): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'tls');
}

export function loadTlsFixture(): TlsFixture {
  const dir = tlsFixtureDir();
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  return { key: readFileSync(path.join(dir, 'key.pem')), cert, ca: cert, servername: 'localhost' };
}
