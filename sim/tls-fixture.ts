// A TLS key and certificate read from a folder (cert.pem, key.pem), such as the self-signed test
// certificate committed under test/fixtures/tls (CN/SAN localhost and 127.0.0.1). The caller names
// the folder: the simulator does not know where the repository's fixtures are.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TlsFixture {
  key: Buffer;
  cert: Buffer;
  /** The certificate is its own CA: trust it with `ca: cert`. */
  ca: Buffer;
  /** The name the certificate is valid for. */
  servername: 'localhost';
}

export function loadTlsFixture(dir: string): TlsFixture {
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  return { key: readFileSync(path.join(dir, 'key.pem')), cert, ca: cert, servername: 'localhost' };
}
