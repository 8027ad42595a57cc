import { describe, expect, it } from 'vitest';
import { NodeReader, writeView } from '../src/session/node-reader.js';

/** Plays the part of Node's stream code: read `bytes` into the socket's next buffer, call back, as onStreamRead does. */
function read(reader: NodeReader, fill: number, bytes: number): Buffer {
  const buf = reader.onread.buffer();
  buf.fill(fill, 0, Math.min(bytes, buf.length));
  reader.onread.callback(Math.min(bytes, buf.length), buf);
  return buf;
}

/** A destination whose writes queue (writableLength > 0) as a slow client's do, keeping what it was given. */
function slowClient(): { write(b: Buffer): boolean; writableLength: number; queued: Buffer[] } {
  const queued: Buffer[] = [];
  return {
    queued,
    get writableLength() {
      return queued.reduce((a, b) => a + b.length, 0);
    },
    write(b: Buffer) {
      queued.push(b);
      return false;
    },
  };
}

describe('NodeReader: no queued write sees another read', () => {
  it('a view of the shared buffer is copied before any sink sees it', () => {
    const a = new NodeReader();
    const b = new NodeReader();
    const client = slowClient();
    a.sink = (view, borrowed) => writeView(client, view, borrowed, a);
    b.sink = () => {};
    const shared = read(a, 1, 100);
    expect(b.onread.buffer()).toBe(shared); // both idle sockets read into one buffer next
    read(b, 2, 100);
    expect(client.queued[0]!.equals(Buffer.alloc(100, 1))).toBe(true);
  });

  it('a pinned own buffer is never read into again, by its socket or any other', () => {
    const a = new NodeReader();
    const b = new NodeReader();
    const client = slowClient();
    a.sink = () => {};
    b.sink = () => {};
    const shared = read(a, 1, Number.MAX_SAFE_INTEGER); // fills the shared buffer: a bulk burst starts
    const own = a.onread.buffer();
    a.sink = (view, borrowed) => writeView(client, view, borrowed, a);
    expect(own).not.toBe(shared);
    read(a, 3, own.length); // fills its own buffer, written in place and queued: pinned
    expect(client.queued[0]!.buffer).toBe(own.buffer); // written in place, not copied
    expect(a.onread.buffer()).not.toBe(own);
    for (let i = 0; i < 20; i++) {
      read(a, 4, 10); // ends the burst (own buffers go back to the spare list)
      read(b, 5, Number.MAX_SAFE_INTEGER);
      read(b, 5, 10);
      expect(b.onread.buffer()).not.toBe(own);
    }
    expect(client.queued[0]!.equals(Buffer.alloc(own.length, 3))).toBe(true);
  });

  it('a socket that went quiet reads into the shared buffer again (no buffer of its own when idle)', () => {
    const a = new NodeReader();
    a.sink = () => {};
    const shared = read(a, 1, Number.MAX_SAFE_INTEGER);
    expect(a.onread.buffer()).not.toBe(shared);
    read(a, 1, 10);
    expect(a.onread.buffer()).toBe(shared);
  });
});
