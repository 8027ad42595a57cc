import { describe, expect, it } from 'vitest';
import { BinaryHandshake } from '../src/handshake/binary.js';
import { encodeSaslFrame, SaslStatus } from '../src/wire/sasl-frame.js';
import { MessageType, readReply, Reader, StatusCode } from '../src/wire/thrift-codec.js';
import { frame } from '../src/wire/thrift-writer.js';
import { openSessionCall, openSessionOk, plainClientHello } from './helpers/bulk-node.js';

const complete = encodeSaslFrame(SaslStatus.COMPLETE, '');

describe('binary handshake inspection (bytes as on the wire)', () => {
  it('SASL PLAIN: COMPLETE reaches the client once; an OpenSession success commits', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    expect(hs.onClientData(plainClientHello())).toEqual({ kind: 'ok' });
    expect(hs.readyToDial).toBe(true);
    hs.startAttempt();
    const a = hs.onNodeData(Buffer.concat([complete, frame(openSessionOk(1))]));
    expect(a.verdict).toEqual({ kind: 'commit', proof: 'parsed' });
    expect(Buffer.concat(a.toClient)).toEqual(Buffer.concat([complete, frame(openSessionOk(1))]));
  });

  it('an OpenSession error is a rejection; the next node’s COMPLETE is not sent again', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    hs.onClientData(plainClientHello());
    hs.startAttempt();
    const first = hs.onNodeData(complete);
    expect(first.verdict.kind).toBe('wait');
    expect(first.toClient).toEqual([complete]);
    const err = hs.ownAnswer('x')!; // a well-formed, framed OpenSession error reply (the client is past SASL now)
    const rejected = hs.onNodeData(err);
    expect(rejected.verdict).toEqual({
      kind: 'reject',
      reason: 'OpenSession error "livy-router: x"',
      rejection: { bytes: err, stage: 'thrift', kind: 'OpenSession error', message: 'livy-router: x' },
    });
    expect(hs.startAttempt()).toEqual(plainClientHello()); // replay everything kept
    const second = hs.onNodeData(Buffer.concat([complete, frame(openSessionOk(1))]));
    expect(second.verdict.kind).toBe('commit');
    expect(Buffer.concat(second.toClient)).toEqual(frame(openSessionOk(1)));
  });

  it('SASL BAD is a rejection the client can read as it stands', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    hs.onClientData(plainClientHello());
    hs.startAttempt();
    const bad = encodeSaslFrame(SaslStatus.BAD, 'Error validating the login');
    const r = hs.onNodeData(bad.subarray(0, 3));
    expect(r.verdict.kind).toBe('wait'); // a split frame waits for the rest
    const rejection = { bytes: bad, stage: 'sasl', kind: 'SASL BAD', message: 'Error validating the login' };
    expect(hs.onNodeData(bad.subarray(3)).verdict).toEqual({ kind: 'reject', reason: 'SASL BAD "Error validating the login"', rejection });
    expect(hs.deliverable(rejection)).toBe(true);
  });

  it('with no node answer to relay, a SASL client gets an ERROR frame naming the reason', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    hs.onClientData(plainClientHello());
    const reply = hs.ownAnswer('no Livy node accepted the connection: a: refused')!;
    expect(reply[0]).toBe(SaslStatus.ERROR);
    expect(reply.subarray(5).toString()).toBe('livy-router: no Livy node accepted the connection: a: refused');
  });

  it('NOSASL: the client gets a Thrift OpenSession error reply it can read', () => {
    const hs = new BinaryHandshake(0x80, 65536);
    hs.onClientData(openSessionCall(7));
    expect(hs.readyToDial).toBe(true);
    const reply = hs.ownAnswer('nothing is active')!;
    const summary = readReply(new Reader(reply, 0, 1 << 20));
    expect(summary).toMatchObject({
      type: MessageType.REPLY,
      name: 'OpenSession',
      seqid: 7,
      statusCode: StatusCode.ERROR,
      errorMessage: 'livy-router: nothing is active',
    });
  });

  it('NOSASL client, SASL node: the SASL ERROR is recognised, and not deliverable to a client that reads Thrift', () => {
    const hs = new BinaryHandshake(0x80, 65536);
    hs.onClientData(openSessionCall());
    hs.startAttempt();
    const r = hs.onNodeData(encodeSaslFrame(SaslStatus.ERROR, 'Invalid status -128'));
    expect(r.verdict).toMatchObject({ kind: 'reject', reason: 'node expects SASL: SASL ERROR "Invalid status -128"' });
    expect(r.verdict.kind === 'reject' && hs.deliverable(r.verdict.rejection!)).toBe(false);
  });

  it('bad input: a frame claiming 2^31 bytes, a non-START first frame, a bad mechanism', () => {
    const huge = Buffer.from([0x01, 0x80, 0, 0, 0]);
    expect(new BinaryHandshake(0x01, 65536).onClientData(huge)).toMatchObject({
      kind: 'bad',
      reason: 'SASL START frame claims 2147483648 bytes (limit 65536)',
    });
    expect(new BinaryHandshake(0x01, 65536).onClientData(Buffer.from([0x01, 0, 0, 0, 3, 0x00, 0xff, 0x41]))).toMatchObject({ kind: 'bad' });
    const notThrift = new BinaryHandshake(0x80, 65536).onClientData(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 1, 0x41, 0, 0, 0, 0]));
    expect(notThrift).toMatchObject({ kind: 'bad' });
  });

  it('GSSAPI: the first server challenge commits (tokens are node-specific)', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    hs.onClientData(Buffer.concat([encodeSaslFrame(SaslStatus.START, 'GSSAPI'), encodeSaslFrame(SaslStatus.OK, Buffer.alloc(600, 7))]));
    hs.startAttempt();
    const challenge = encodeSaslFrame(SaslStatus.OK, Buffer.alloc(100, 9));
    const r = hs.onNodeData(challenge);
    expect(r.verdict).toEqual({ kind: 'commit', proof: 'blind' });
    expect(Buffer.concat(r.toClient)).toEqual(challenge);
  });

  it('node bytes not judged yet are handed over once on an early commit, not dropped', () => {
    const hs = new BinaryHandshake(0x01, 65536);
    hs.onClientData(plainClientHello());
    hs.startAttempt();
    expect(hs.onNodeData(complete.subarray(0, 3)).verdict.kind).toBe('wait');
    expect(hs.takeNodeBytes()).toEqual([complete.subarray(0, 3)]);
    expect(hs.takeNodeBytes()).toEqual([]);
  });

  it('keeps no more than maxBufferedBytes before asking for a commit', () => {
    const hs = new BinaryHandshake(0x01, 2048);
    hs.onClientData(plainClientHello());
    expect(hs.onClientData(Buffer.alloc(4096))).toMatchObject({ kind: 'commit-now' });
  });
});
