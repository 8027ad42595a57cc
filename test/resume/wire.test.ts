// The resume stage's codecs, bytes in and verdicts out, against messages thrift's own generated
// code writes (hive-driver's TCLIService), split at every byte boundary.
import { describe, expect, test } from 'vitest';
import thrift from 'thrift';
import hive from 'hive-driver';
import { MessageSplitter } from '../../src/wire/message-splitter.js';
import { clientSessionName, executeStatementCall, statusReply, withSessionName } from '../../src/wire/tcli-compose.js';
import { handleBytes, putHandle, readCall, readReplyView } from '../../src/wire/tcli-view.js';

const T = hive.thrift.TCLIService_types;
const MAX = 1 << 20;

/** One unframed message, as thrift writes a call's args (or a reply's result). */
function message(name: string, type: number, body: (p: thrift.TBinaryProtocol) => void): Buffer {
  const out: Buffer[] = [];
  const trans = new thrift.TBufferedTransport(undefined, (b) => b && out.push(b));
  const p = new thrift.TBinaryProtocol(trans);
  p.writeMessageBegin(name, type, 7);
  body(p);
  p.writeMessageEnd();
  p.flush();
  return Buffer.concat(out);
}

function argsOf(field: string, value: { write(p: thrift.TBinaryProtocol): void }) {
  return (p: thrift.TBinaryProtocol) => {
    p.writeStructBegin('args');
    p.writeFieldBegin(field, thrift.Thrift.Type.STRUCT, field === 'success' ? 0 : 1);
    value.write(p);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
  };
}

const handle = (fill: number) => ({ guid: Buffer.alloc(16, fill), secret: Buffer.alloc(16, fill + 1) });

describe('resume wire codecs', () => {
  test('OpenSession gets a livy.session.name, with and without a configuration map', () => {
    for (const configuration of [undefined, { 'use:database': 'sales' }]) {
      const req = new T.TOpenSessionReq({ client_protocol: 9, username: 'u', password: 'p', configuration });
      const call = message('OpenSession', 1, argsOf('req', req));
      expect(clientSessionName(call, MAX)).toBeUndefined();
      const named = withSessionName(call, 'livy-router-1', MAX);
      const p = new thrift.TBinaryProtocol(new thrift.TFramedTransport(named));
      p.readMessageBegin();
      p.readStructBegin();
      p.readFieldBegin();
      const back = new T.TOpenSessionReq();
      back.read(p);
      expect(back.configuration).toEqual({ ...configuration, 'set:hiveconf:livy.session.name': 'livy-router-1' });
      expect(back.password).toBe('p');
      expect(clientSessionName(named, MAX)).toBe('set:hiveconf:livy.session.name=livy-router-1');
    }
  });

  test('calls and replies: handles found and swapped in place, statement read; split at every byte', () => {
    const exec = message(
      'ExecuteStatement',
      1,
      argsOf('req', new T.TExecuteStatementReq({ sessionHandle: { sessionId: handle(1) }, statement: 'USE x', runAsync: true })),
    );
    const view = readCall(exec, MAX);
    expect(view).toMatchObject({ name: 'ExecuteStatement', seqid: 7, statement: 'USE x' });
    expect(handleBytes(exec, view.session!)).toEqual(Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(16, 2)]));
    putHandle(exec, view.session!, Buffer.alloc(32, 9));
    expect(handleBytes(exec, readCall(exec, MAX).session!)).toEqual(Buffer.alloc(32, 9));

    const reply = message(
      'ExecuteStatement',
      2,
      argsOf(
        'success',
        new T.TExecuteStatementResp({ status: { statusCode: 0 }, operationHandle: { operationId: handle(3), operationType: 0, hasResultSet: true } }),
      ),
    );
    const rv = readReplyView(reply, MAX);
    expect(rv.statusCode).toBe(0);
    expect(handleBytes(reply, rv.operation!).subarray(0, 16)).toEqual(Buffer.alloc(16, 3));

    const ours = readReplyView(statusReply('GetOperationStatus', 4, { code: 3, sqlState: '40003', message: 'm' }), MAX);
    expect(ours).toMatchObject({ name: 'GetOperationStatus', seqid: 4, statusCode: 3 });
    expect(readCall(executeStatementCall(5, Buffer.alloc(32, 4), 'SET a=1', false), MAX)).toMatchObject({ statement: 'SET a=1', seqid: 5 });

    for (const framing of ['sasl', 'nosasl'] as const) {
      const both = [exec, reply];
      const wire = Buffer.concat(both.map((m) => new MessageSplitter(framing, MAX).encode(m)));
      for (let cut = 0; cut <= wire.length; cut++) {
        const s = new MessageSplitter(framing, MAX);
        const got = [...s.push(wire.subarray(0, cut)), ...s.push(wire.subarray(cut))];
        expect(got).toEqual(both);
      }
    }
  });
});
