import http from 'node:http';
import net from 'node:net';

/** What Node's own HTTP server (llhttp, strict mode) made of a request followed by a marker request. */
export type OracleVerdict = { kind: 'reject'; status: number } | { kind: 'accept'; boundaryAtMarker: boolean; firstUrl: string; bodyLength: number };

export const MARKER = 'GET /__marker HTTP/1.1\r\nHost: m\r\n\r\n';

/**
 * node:http as the oracle: every input is sent on its own loopback connection, followed by
 * MARKER. When Node answers the input's request and then exactly the marker, its request boundary
 * is the end of the input.
 */
export class NodeHttpOracle {
  private constructor(
    private readonly server: http.Server,
    private readonly port: number,
  ) {}

  static async start(maxHeaderSize = 16 * 1024): Promise<NodeHttpOracle> {
    const server = http.createServer({ insecureHTTPParser: false, requireHostHeader: false, maxHeaderSize }, (req, res) => {
      let bodyLength = 0;
      req.on('data', (d: Buffer) => (bodyLength += d.length));
      req.on('end', () => {
        const body = `SEEN ${encodeURIComponent(req.url ?? '')} ${bodyLength}\n`;
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new NodeHttpOracle(server, (server.address() as net.AddressInfo).port);
  }

  async judge(input: Buffer): Promise<OracleVerdict> {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      s.on('error', reject);
      const parts: Buffer[] = [];
      const timer = setTimeout(() => s.destroy(new Error('oracle timed out')), 5000);
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(parts).toString('latin1'));
      });
      s.end(Buffer.concat([input, Buffer.from(MARKER, 'latin1')]));
    });
    const seen = [...answer.matchAll(/SEEN (\S*) (\d+)\n/g)].map((m) => ({ url: decodeURIComponent(m[1]!), bodyLength: Number(m[2]) }));
    const failed = /HTTP\/1\.1 (4\d\d|5\d\d)/.exec(answer);
    const first = seen[0];
    if (!first || first.url === '/__marker') return { kind: 'reject', status: failed ? Number(failed[1]) : 0 };
    return {
      kind: 'accept',
      boundaryAtMarker: !failed && seen.length === 2 && seen[1]!.url === '/__marker',
      firstUrl: first.url,
      bodyLength: first.bodyLength,
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
