// One binary-mode Thrift connection: SASL PLAIN negotiation (or none), then TCLIService calls,
// framed (after SASL) or unframed (NOSASL), exactly as a Livy Thrift server in binary mode.
import type net from 'node:net';
import thrift from 'thrift';
import type { Logger } from 'pino';
import { LOGIN_FAILED_MESSAGE, PASSIVE_SASL_MESSAGE, SaslStatus, parsePlain, readSaslFrame, saslFrame } from './sasl.js';
import type { TCLIProcessor } from './tcli.js';

/** Thrift's limit on one message (Livy: 100 MiB). */
const MAX_FRAME_BYTES = 104_857_600;

export interface BinaryConnOptions {
  auth: 'plain' | 'nosasl' | 'any';
  /** undefined: any user and password is accepted. */
  users: Readonly<Record<string, string>> | undefined;
  processor: TCLIProcessor;
  /** Set when a passive node rejects this connection in the SASL negotiation. */
  passiveReject?: 'sasl-bad' | 'sasl-error';
  /** The passive's words in that frame (default PASSIVE_SASL_MESSAGE). */
  passiveMessage?: string;
  /** Each SASL PLAIN login checked: the user it named, and whether it was accepted. */
  onLogin?(user: string, accepted: boolean): void;
  /** Runs `fn` now, or later if the node is frozen (hang()); every reply goes through it. */
  gate(fn: () => void): void;
  logger: Logger;
}

type Phase = 'sasl-start' | 'sasl-auth' | 'thrift' | 'done';

export function serveBinary(socket: net.Socket, opts: BinaryConnOptions): void {
  const { logger } = opts;
  let phase: Phase = opts.auth === 'nosasl' ? 'thrift' : 'sasl-start';
  let pending: Buffer = Buffer.alloc(0);
  let sawFirstChunk = false;
  /** auth 'any': this connection turned out to be NOSASL. */
  let nosasl = false;

  const send = (buf: Buffer): void => {
    opts.gate(() => {
      if (!socket.destroyed && socket.writable) socket.write(buf);
    });
  };

  /** A frame, then FIN: how Thrift's SASL server reports a failed negotiation. */
  const fail = (status: number, message: string): void => {
    phase = 'done';
    logger.debug({ status, message }, 'SASL negotiation rejected');
    opts.gate(() => {
      if (!socket.destroyed) socket.end(saslFrame(status, message));
    });
  };

  const runProcessor = (input: thrift.TTransport, output: thrift.TTransport): void => {
    opts.processor.process(new thrift.TBinaryProtocol(input, true, true), new thrift.TBinaryProtocol(output));
  };

  const protocolError = (err: unknown): void => {
    phase = 'done';
    logger.debug({ err }, 'malformed Thrift message, closing the connection');
    socket.destroy();
  };

  // After SASL every message is a 4-byte big-endian length and a TBinaryProtocol message.
  const onFramed = (): void => {
    while (phase === 'thrift' && pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME_BYTES) {
        protocolError(new Error(`invalid frame size ${size}`));
        return;
      }
      if (pending.length < 4 + size) return;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      try {
        runProcessor(new thrift.TFramedTransport(frame), new thrift.TFramedTransport(undefined, reply));
      } catch (err) {
        protocolError(err);
      }
    }
  };

  const reply = (buf?: Buffer): void => {
    if (buf) send(buf);
  };

  // NOSASL: bare TBinaryProtocol messages back to back; a message may span several reads.
  const onUnframed = thrift.TBufferedTransport.receiver((trans) => {
    for (;;) {
      try {
        runProcessor(trans, new thrift.TBufferedTransport(undefined, reply));
        trans.commitPosition();
      } catch (err) {
        if (err instanceof Error && err.name === 'InputBufferUnderrunError') {
          trans.rollbackPosition();
        } else {
          protocolError(err);
        }
        return;
      }
    }
  }, 0);

  const onSasl = (): void => {
    while (phase === 'sasl-start' || phase === 'sasl-auth') {
      const read = readSaslFrame(pending);
      if (read.kind === 'need-more') return;
      if (read.kind === 'invalid') {
        fail(SaslStatus.ERROR, read.message);
        return;
      }
      pending = read.rest;
      if (phase === 'sasl-start') {
        if (read.status !== SaslStatus.START) {
          fail(SaslStatus.ERROR, `Expecting START status, received ${read.status}`);
          return;
        }
        const mechanism = read.payload.toString('utf8');
        if (mechanism !== 'PLAIN') {
          fail(SaslStatus.BAD, `Unsupported mechanism type ${mechanism}`);
          return;
        }
        phase = 'sasl-auth';
        continue;
      }
      // Java clients send COMPLETE with the PLAIN response, hive-driver sends OK: accept both.
      if (read.status !== SaslStatus.OK && read.status !== SaslStatus.COMPLETE) {
        fail(SaslStatus.ERROR, `Expecting OK or COMPLETE status, received ${read.status}`);
        return;
      }
      const creds = parsePlain(read.payload);
      const users = opts.users;
      const accepted = creds !== undefined && (users === undefined || users[creds.user] === creds.password);
      if (creds) opts.onLogin?.(creds.user, accepted);
      if (!accepted) {
        fail(SaslStatus.BAD, LOGIN_FAILED_MESSAGE);
        return;
      }
      logger.debug({ user: creds.user }, 'SASL PLAIN login');
      send(saslFrame(SaslStatus.COMPLETE));
      phase = 'thrift';
    }
    if (phase === 'thrift') onFramed();
  };

  socket.on('data', (chunk: Buffer) => {
    opts.gate(() => {
      if (phase === 'done') return;
      if (opts.passiveReject) {
        fail(opts.passiveReject === 'sasl-bad' ? SaslStatus.BAD : SaslStatus.ERROR, opts.passiveMessage ?? PASSIVE_SASL_MESSAGE);
        return;
      }
      if (opts.auth === 'any' && !sawFirstChunk && phase !== 'thrift' && chunk[0] === 0x80) {
        phase = 'thrift';
        nosasl = true;
      }
      if (opts.auth === 'nosasl' || nosasl) {
        // Only a strict TBinaryProtocol CALL (80 01 ..) can start a NOSASL conversation; a SASL
        // or HTTP client here would otherwise wait forever for a reply that cannot come.
        if (!sawFirstChunk && chunk[0] !== 0x80) {
          logger.debug({ first: chunk[0] }, 'not a TBinaryProtocol client on a NOSASL port');
          phase = 'done';
          socket.end();
          return;
        }
        sawFirstChunk = true;
        onUnframed(chunk);
        return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (phase === 'thrift') onFramed();
      else onSasl();
    });
  });
}
