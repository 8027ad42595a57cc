/**
 * HTTP/1.1 first requests for the framing differential test: valid requests with one framing
 * choice, some mutated where smugglers and sloppy parsers disagree (whitespace, bare CR or LF,
 * control bytes, duplicate or combined framing headers, odd chunk lines).
 */
type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const REQUEST_LINES = ['POST /cliservice HTTP/1.1', 'POST  /cliservice?x=1&y=%20 HTTP/1.1', 'PUT /a/b#frag  HTTP/1.1', 'GET /cliservice HTTP/1.1'];
const HEADERS = [
  'Host: router',
  'Content-Type: application/x-thrift',
  'User-Agent: Java/1.8',
  'X-Empty:',
  'X-Obs: caf\xe9',
  'Cookie: a=b; c=d',
  'Authorization: Basic YTpi',
];
const LINE_MUTATIONS: Array<(line: string, rnd: Rnd) => string> = [
  (l, r) => insertAt(l, r, '\r'),
  (l, r) => insertAt(l, r, '\n'),
  (l, r) => insertAt(l, r, '\x00'),
  (l, r) => insertAt(l, r, pick(r, ['\x01', '\x08', '\x1f', '\x7f', '\x0b', '\x0c'])),
  (l, r) => insertAt(l, r, pick(r, ['\t', ' ', '\x80'])),
  (l) => l.replace(':', ' :'),
  (l) => `${l}\r\n folded`,
  (l) => `${l}\n`,
];

function insertAt(s: string, rnd: Rnd, what: string): string {
  const at = 1 + Math.floor(rnd() * Math.max(1, s.length - 1));
  return s.slice(0, at) + what + s.slice(at);
}

type Framing = { headers: string[]; body: 'none' | 'length' | 'chunked' };
const FRAMINGS: Framing[] = [
  { headers: [], body: 'none' },
  { headers: ['Content-Length: N'], body: 'length' },
  { headers: ['Content-Length:  0N '], body: 'length' },
  { headers: ['Content-Length: N\t'], body: 'length' },
  { headers: ['Content-Length: N', 'Content-Length: N'], body: 'length' },
  { headers: ['Content-Length: N, N'], body: 'length' },
  { headers: ['Content-Length: +N'], body: 'length' },
  { headers: ['Content-Length:'], body: 'none' },
  { headers: ['Transfer-Encoding: chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: Chunked  '], body: 'chunked' },
  { headers: ['Transfer-Encoding: gzip, chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: chunked, chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: chunked\t'], body: 'chunked' },
  { headers: ['Transfer-Encoding: xchunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: chunked;q=1'], body: 'chunked' },
  { headers: ['Transfer-Encoding: ,chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding:', 'Content-Length: N'], body: 'length' },
  { headers: ['Content-Length: N', 'Transfer-Encoding: chunked'], body: 'chunked' },
  { headers: ['Transfer-Encoding: chunked', 'Content-Length: N'], body: 'chunked' },
];

const SIZE_FORMS: Array<(hex: string) => string> = [
  (h) => h,
  (h) => h.toUpperCase(),
  (h) => `000${h}`,
  (h) => `${h} `,
  (h) => ` ${h}`,
  (h) => `${h}\t`,
  (h) => `${h};ext`,
  (h) => `${h};a=b;c`,
  (h) => `${h};a="q \\" t"`,
  (h) => `${h}; a`,
  (h) => `${h};`,
  (h) => `${h};a=`,
  (h) => `${h};a="b"c`,
  (h) => `${h};;a`,
  (h) => `${h};a==b`,
];
const DATA_ENDS = ['\r\n', '\r\n', '\r\n', '\n', '\r', 'x\r\n'];
const TRAILERS = ['', '', 'X-T: 1\r\n', 'Content-Length: 1\r\n', 'Transfer-Encoding: x\r\n', 'X-T: a\x01\r\n', 'X-T : 1\r\n'];

function chunkedBody(rnd: Rnd): string {
  let out = '';
  const chunks = Math.floor(rnd() * 3);
  for (let i = 0; i < chunks; i++) {
    const data = 'abcdefghijklmnopq'.slice(0, 1 + Math.floor(rnd() * 16));
    const form = rnd() < 0.6 ? SIZE_FORMS[0]! : pick(rnd, SIZE_FORMS);
    out += `${form(data.length.toString(16))}\r\n${data}${rnd() < 0.8 ? '\r\n' : pick(rnd, DATA_ENDS)}`;
  }
  const last = rnd() < 0.8 ? '0' : pick(rnd, SIZE_FORMS)('0');
  return `${out}${last}\r\n${pick(rnd, TRAILERS)}\r\n`;
}

export function generatedRequests(count: number, rnd: Rnd): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const framing = pick(rnd, FRAMINGS);
    const body = framing.body === 'chunked' ? chunkedBody(rnd) : framing.body === 'length' ? 'x'.repeat(Math.floor(rnd() * 20)) : '';
    const lines = [
      ...Array.from({ length: Math.floor(rnd() * 4) }, () => pick(rnd, HEADERS)),
      ...framing.headers.map((h) => h.replaceAll('N', String(body.length))),
    ];
    if (rnd() < 0.25 && lines.length) {
      const at = Math.floor(rnd() * lines.length);
      lines[at] = pick(rnd, LINE_MUTATIONS)(lines[at]!, rnd);
    }
    out.push(`${pick(rnd, REQUEST_LINES)}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${body}`);
  }
  return out;
}

/** Accepted by llhttp, refused by the router: forms Thrift over HTTP never uses. */
export const STRICTER_THAN_LLHTTP = [
  'POST http://router/cliservice HTTP/1.1\r\nHost: router\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\n\r\n',
  'POST /cliservice HTTP/1.1\r\nUpgrade: h2c\r\n\r\n',
];
