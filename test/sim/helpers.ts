// Raw-socket and raw-HTTP helpers for the simulator's tests: they see the exact bytes a router sees.
import http from 'node:http';
import net from 'node:net';
import thrift from 'thrift';
import hive from 'hive-driver';

export interface RawResult {
  data: Buffer;
  /** The peer closed (FIN or RST) before the wait ended. */
  closedByPeer: boolean;
  /** Socket error code (ECONNREFUSED, ECONNRESET, ...). */
  errorCode: string | undefined;
}

/** Connect, send `bytes` (if any), collect what comes back until the peer closes or `waitMs`. */
export function rawTalk(port: number, bytes: Buffer | undefined, waitMs: number, host = '127.0.0.1'): Promise<RawResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let errorCode: string | undefined;
    let settled = false;
    const socket = net.connect({ port, host });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      errorCode = err.code;
    });
    const finish = (closedByPeer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closedByPeer, errorCode });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => {
      if (bytes) socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
  });
}

/** A GetInfo call with an all-zero session handle, as a router's probe would send it. */
export function getInfoCall(infoType: number, framed: boolean): Buffer {
  const out: Buffer[] = [];
  const trans = framed
    ? new thrift.TFramedTransport(undefined, (buf) => buf && out.push(buf))
    : new thrift.TBufferedTransport(undefined, (buf) => buf && out.push(buf));
  const p = new thrift.TBinaryProtocol(trans);
  const { Type, MessageType } = thrift.Thrift;
  const zero = Buffer.alloc(16);
  const struct = (name: string, id: number, type: number, body: () => void): void => {
    p.writeFieldBegin(name, type, id);
    body();
    p.writeFieldEnd();
  };
  const fields = (body: () => void) => () => {
    p.writeStructBegin('');
    body();
    p.writeFieldStop();
    p.writeStructEnd();
  };
  p.writeMessageBegin('GetInfo', MessageType.CALL, 1);
  fields(() =>
    struct(
      'req',
      1,
      Type.STRUCT,
      fields(() => {
        struct(
          'sessionHandle',
          1,
          Type.STRUCT,
          fields(() =>
            struct(
              'sessionId',
              1,
              Type.STRUCT,
              fields(() => {
                struct('guid', 1, Type.STRING, () => p.writeBinary(zero));
                struct('secret', 2, Type.STRING, () => p.writeBinary(zero));
              }),
            ),
          ),
        );
        struct('infoType', 2, Type.I32, () => p.writeI32(infoType));
      }),
    ),
  )();
  p.writeMessageEnd();
  p.flush();
  return Buffer.concat(out);
}

export interface GetInfoReply {
  statusCode: number;
  stringValue: string | undefined;
}

/** Decode an unframed GetInfo reply message. */
export function decodeGetInfoReply(message: Buffer): GetInfoReply {
  const p = new thrift.TBinaryProtocol(new thrift.TFramedTransport(message));
  const header = p.readMessageBegin();
  if (header.fname !== 'GetInfo' || header.mtype !== thrift.Thrift.MessageType.REPLY) {
    throw new Error(`unexpected reply ${header.fname} type ${header.mtype}`);
  }
  p.readStructBegin();
  const field = p.readFieldBegin();
  if (field.fid !== 0) throw new Error(`unexpected result field ${field.fid}`);
  const resp = new hive.thrift.TCLIService_types.TGetInfoResp();
  resp.read(p);
  const status = resp.status as { statusCode: number };
  const value = resp.infoValue as { stringValue?: string } | null;
  return { statusCode: status.statusCode, stringValue: value?.stringValue ?? undefined };
}

export interface HttpAnswer {
  status: number | undefined;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  errorCode: string | undefined;
}

/** One HTTP request on a fresh connection (no agent, no keep-alive reuse). */
export function httpCall(url: string, init: { method?: string; body?: Buffer; headers?: http.OutgoingHttpHeaders } = {}): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), errorCode: undefined }));
      res.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), errorCode: err.code }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: undefined, headers: {}, body: Buffer.alloc(0), errorCode: err.code ?? err.message }));
    req.end(init.body);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
