/**
 * Node sockets read into one shared buffer (net.connect's `onread`) instead of a new Buffer per
 * read. Result sets flow node -> client, so this is the router's bulk direction: when the client
 * socket takes the bytes at once (the usual case), a read costs no allocation and no copy.
 *
 * Contract for a sink: the view it gets is valid only during the call. To keep bytes, copy them;
 * if a write still holds the view after the call, call `pinned()` so the next read gets a fresh
 * buffer. One shared buffer is safe because every read callback runs to completion on one thread.
 */
const READ_BUFFER_BYTES = 256 * 1024;
/** Smaller reads are copied (cheap) so a slow client cannot pin a whole read buffer for a few bytes. */
const COPY_BELOW_BYTES = 8 * 1024;

let shared = Buffer.allocUnsafe(READ_BUFFER_BYTES);

export type Sink = (view: Buffer) => void;

export class NodeReader {
  sink: Sink = () => {};

  /** Pass as `onread` to net.connect. */
  readonly onread = {
    buffer: (): Buffer => shared,
    // Returning false would pause the socket: pausing is the sink's call (socket.pause()).
    callback: (bytes: number, buf: Buffer): boolean => {
      this.sink(buf.subarray(0, bytes));
      return true;
    },
  };
}

/**
 * Writes a view to `to` without copying when the write completes at once; small views and writes
 * that will queue behind others are copied, and a view a queued write still holds is given up.
 * Returns write()'s answer (false: pause the source until 'drain').
 */
export function writeView(to: { write(b: Buffer): boolean; readonly writableLength: number }, view: Buffer): boolean {
  if (view.length < COPY_BELOW_BYTES || to.writableLength > 0) return to.write(Buffer.from(view));
  const ok = to.write(view);
  if (to.writableLength > 0 && view.buffer === shared.buffer) shared = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return ok;
}
