import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHandshake } from '../src/handshake/http.js';
import { RequestScanner, type RequestScan } from '../src/wire/http-request-scanner.js';
import { MARKER, NodeHttpOracle, type OracleVerdict } from './helpers/node-http-oracle.js';
import { generatedRequests, STRICTER_THAN_LLHTTP } from './helpers/http-cases.js';

const LIMITS = { maxHeaderBytes: 16 * 1024, maxBodyBytes: 256 * 1024 };
const H = 'POST /cliservice HTTP/1.1\r\nHost: r\r\n';
const TE = `${H}Transfer-Encoding: chunked\r\n\r\n`;

/** The cases of issue 12, and their neighbours that llhttp accepts. */
const LISTED: string[] = [
  `${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
  `${H}Content-Length: 56, 56\r\n\r\nhello`,
  `${TE}5 \r\nhello\r\n0\r\n\r\n`,
  `${TE}5\t\r\nhello\r\n0\r\n\r\n`,
  `${TE} 5\r\nhello\r\n0\r\n\r\n`,
  `${TE}5 ;a=b\r\nhello\r\n0\r\n\r\n`,
  `${H}Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  `${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  `${H}X-A: a\rb\r\n\r\n`,
  `${H}X-A: a\nb\r\n\r\n`,
  `${H}X-A: a\r\nX-B: b\n\r\n`,
  `${H}X-A: a\x00b\r\n\r\n`,
  `${H}X-A: a\x01b\r\n\r\n`,
  `${H}X-A: a\x7fb\r\n\r\n`,
  `${H}X-A: a\x1bb\r\n\r\n`,
  `${H}X-A: x\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
  `${H}X-A: x\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  `POST /cliservice HTTP/1.1\nHost: r\r\n\r\n`,
  `${H}Content-Length : 0\r\n\r\n`,
  `${H}X-A: a\r\n folded\r\n\r\n`,
  `${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  `${H}Transfer-Encoding: gzip\r\n\r\n`,
  `${H}Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n`,
  `${TE}1\r\nxy\r\n0\r\n\r\n`,
  `${TE}0\r\nContent-Length: 1\r\n\r\n`,
  // accepted by llhttp
  `${H}Content-Length: 5\r\n\r\nhello`,
  `${H}Content-Length:  05 \r\n\r\nhello`,
  `${H}Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  `${H}Transfer-Encoding: CHUNKED \r\n\r\n5;a=b;c="d\\"e"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`,
  `${H}Transfer-Encoding:\r\nContent-Length: 2\r\n\r\nhi`,
  `${H}X-A: \x80\xff\t end\r\nX-B:\r\n\r\n`,
  `POST  /cliservice?a=b#c  HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`,
];

function scan(input: Buffer, cuts: number[]): RequestScan {
  const s = new RequestScanner(LIMITS);
  let from = 0;
  let last: RequestScan = { kind: 'incomplete', headDone: false };
  for (const to of [...cuts, input.length]) {
    last = s.push(input.subarray(from, to));
    from = to;
  }
  return last;
}

/** The same bytes in one piece, one byte at a time, and cut at a few random places: one verdict. */
function ours(input: Buffer, rnd: () => number): RequestScan {
  const whole = scan(input, []);
  expect(
    scan(
      input,
      Array.from({ length: input.length - 1 }, (_, i) => i + 1),
    ),
  ).toEqual(whole);
  const cuts = Array.from({ length: 3 }, () => Math.floor(rnd() * input.length)).sort((a, b) => a - b);
  expect(scan(input, cuts)).toEqual(whole);
  return whole;
}

function agree(input: Buffer, node: OracleVerdict, mine: RequestScan): void {
  const withMarker = input.length - MARKER.length;
  const label = JSON.stringify(input.subarray(0, withMarker).toString('latin1'));
  if (node.kind === 'reject') expect(mine.kind, label).toBe('bad');
  else if (node.boundaryAtMarker) expect(mine, label).toEqual({ kind: 'complete', end: withMarker });
  else expect.fail(`${label}: node accepted, but not up to the marker`);
}

let oracle: NodeHttpOracle;
beforeAll(async () => (oracle = await NodeHttpOracle.start()));
afterAll(() => oracle.close());

function seeded(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

describe('first-request framing agrees with node:http (llhttp, strict)', () => {
  it('on every case listed in issue 12 and its neighbours', async () => {
    const rnd = seeded(12);
    for (const text of LISTED) {
      const input = Buffer.from(text + MARKER, 'latin1');
      agree(input, await oracle.judge(Buffer.from(text, 'latin1')), ours(input, rnd));
    }
  });

  it('on 1,500 generated requests (accept/reject and boundary)', async () => {
    const rnd = seeded(4242);
    let accepted = 0;
    for (const text of generatedRequests(1500, rnd)) {
      const input = Buffer.from(text + MARKER, 'latin1');
      const node = await oracle.judge(Buffer.from(text, 'latin1'));
      if (node.kind === 'accept') accepted++;
      agree(input, node, ours(input, rnd));
    }
    // The generator must exercise both sides.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(1200);
  }, 60_000);

  it('is stricter than llhttp only where Thrift over HTTP has no use for a form', async () => {
    for (const text of STRICTER_THAN_LLHTTP) {
      expect((await oracle.judge(Buffer.from(text, 'latin1'))).kind, text).toBe('accept');
      expect(scan(Buffer.from(text, 'latin1'), []).kind, text).toBe('bad');
    }
  });
});

describe('the HTTP handshake keeps the request byte for byte', () => {
  it('replays exactly what the client sent, pipelined bytes included, however it was cut', () => {
    const request = Buffer.from(`${TE}5;x=y\r\nhello\r\n0\r\nX-T: 1\r\n\r\n${MARKER}`, 'latin1');
    for (let cut = 1; cut < request.length; cut += 7) {
      const hs = new HttpHandshake(LIMITS);
      expect(hs.onClientData(Buffer.from(request.subarray(0, cut))).kind).toBe('ok');
      expect(hs.onClientData(Buffer.from(request.subarray(cut))).kind).toBe('ok');
      expect(hs.readyToDial).toBe(true);
      expect(hs.startAttempt().equals(request)).toBe(true);
    }
  });

  it('answers 400 with a reason that quotes none of the client bytes', () => {
    const hs = new HttpHandshake(LIMITS);
    const check = hs.onClientData(Buffer.from('POST /cliservice?password=hunter2 HTTP/1.1\r\nAuthorization : Basic YWxpY2U6aHVudGVyMg==\r\n\r\n', 'latin1'));
    expect(check.kind).toBe('bad');
    const text = check.kind === 'bad' ? `${check.reason} ${check.reply?.toString('latin1')}` : '';
    expect(text).toMatch(/400/);
    expect(text).not.toMatch(/hunter2|YWxpY2U6aHVudGVyMg|Basic/);
  });
});
