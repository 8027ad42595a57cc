import { fileURLToPath } from 'node:url';
import { loadTlsFixture, type TlsFixture } from '../../sim/tls-fixture.js';

/** The committed self-signed test certificate (localhost, 127.0.0.1); its private key is public. */
export const TLS_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

export function tlsFixture(): TlsFixture {
  return loadTlsFixture(TLS_FIXTURE_DIR);
}
