import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSessionCall, plainClientHello } from '../../sim/wire.js';
import { refusalAnswer } from '../../src/handshake/refusal-answer.js';
import { MessageType, readReply, Reader, StatusCode } from '../../src/wire/thrift-codec.js';
import { descriptorBudget, descriptorConsumers, readDescriptorLimit } from '../../src/listener/descriptor-budget.js';
import { REFUSALS_WAITING_IN_ALL } from '../../src/listener/refusal-gate.js';
import { LimitLog } from '../../src/listener/limit-log.js';
import { eventually } from '../helpers/eventually.js';
import { captureLogger, testConfig } from '../helpers/router.js';

const WHY = 'too many connections from 10.0.0.9: maxClientConnectionsPerSource is 2';

describe('refusalAnswer: the router refusal in the protocol of the first bytes', () => {
  it('SASL: an ERROR frame with the words', () => {
    const a = refusalAnswer(plainClientHello(), WHY);
    expect(a.kind === 'answer' && a.reply?.toString('latin1', 5)).toBe(`livy-router: ${WHY}`);
    expect(a.kind === 'answer' && a.reply?.[0]).toBe(0x04);
  });

  it('NOSASL: an OpenSession error reply with the call seqid, once the header is readable', () => {
    const call = openSessionCall(42);
    expect(refusalAnswer(call.subarray(0, 10), WHY).kind).toBe('need-more');
    const a = refusalAnswer(call, WHY);
    if (a.kind !== 'answer' || !a.reply) throw new Error('no reply');
    const r = readReply(new Reader(a.reply, 0, 1 << 20));
    expect(r).toMatchObject({ type: MessageType.REPLY, name: 'OpenSession', seqid: 42, statusCode: StatusCode.ERROR, errorMessage: `livy-router: ${WHY}` });
  });

  it('HTTP: 503 with a text body; TLS: an alert; garbage: nothing; too few bytes: wait', () => {
    const http = refusalAnswer(Buffer.from('POST /cliservice HTTP/1.1\r\n'), WHY);
    expect(http.kind === 'answer' && http.reply?.toString()).toMatch(new RegExp(`^HTTP/1\\.1 503 [^]*\\r\\n\\r\\nlivy-router: ${WHY}\\n$`));
    const tls = refusalAnswer(Buffer.from([0x16, 0x03, 0x01]), WHY);
    expect(tls.kind === 'answer' && tls.reply?.[0]).toBe(0x15);
    expect(refusalAnswer(Buffer.from('xyz'), WHY)).toEqual({ kind: 'answer', reply: undefined });
    expect(refusalAnswer(Buffer.from('PO'), WHY).kind).toBe('need-more');
  });
});

describe('the descriptor budget', () => {
  it('reads the hard limit of /proc/self/limits, and nothing from a file without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-limits-'));
    try {
      const f = join(dir, 'limits');
      writeFileSync(
        f,
        'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n',
      );
      expect(readDescriptorLimit(f)).toBe(4096);
      writeFileSync(f, 'Max open files            unlimited            unlimited            files\n');
      expect(readDescriptorLimit(f)).toBeUndefined();
      expect(readDescriptorLimit(join(dir, 'none'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps 2 descriptors per client after what the router holds for itself', () => {
    const config = testConfig([{ name: 'a', port: 1 }], { admin: { enabled: true }, health: { kind: 'ha-status' } });
    const consumers = descriptorConsumers(config, 20);
    expect(consumers.map((c) => c.name)).toContain('health checks (2 per node)');
    expect(consumers.find((c) => c.name.startsWith('clients refused'))?.count).toBe(REFUSALS_WAITING_IN_ALL);
    const b = descriptorBudget(65536, consumers);
    expect(b.reserved).toBe(consumers.reduce((s, c) => s + c.count, 0));
    expect(b.clients).toBe(Math.floor((65536 - b.reserved) / 2));
    expect(descriptorBudget(50, consumers).clients).toBe(0);
  });
});

describe('the limit log', () => {
  it('logs the first refusal at once and the rest of its interval in one line at the end; stop() logs what is held back', async () => {
    const { log, lines } = captureLogger();
    const limitLog = new LimitLog(log, 100);
    const refusal = { kind: 'descriptors' as const, message: 'too many connections for the router' };
    for (let i = 0; i < 5; i++) limitLog.refused(refusal, `10.0.0.${i}`, i < 2);
    expect(lines.map((l) => [l.level, l.refused])).toEqual([[50, 1]]);
    const later = await eventually(() => lines[1]);
    expect(later).toMatchObject({ level: 50, refused: 4, waitedForFirstBytes: 1, sources: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] });
    limitLog.refused({ kind: 'source', message: 'too many connections from 10.0.0.9' }, '10.0.0.9', true);
    limitLog.refused({ kind: 'source', message: 'too many connections from 10.0.0.9' }, '10.0.0.9', true);
    limitLog.stop();
    expect(lines.slice(2).map((l) => [l.level, l.refused, l.limit])).toEqual([
      [40, 1, 'source'],
      [40, 1, 'source'],
    ]);
  });
});
