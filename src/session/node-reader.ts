/**
 * How node sockets read (net.connect's `onread`), the router's bulk direction: result sets flow
 * node -> client. Two kinds of buffer, so that no queued write can ever see bytes that another
 * socket reads:
 *
 * - One process-wide SHARED buffer. Node asks `onread.buffer()` for a socket's *next* buffer
 *   right after each read, so every socket that has read since holds it as its next buffer: any of
 *   them may overwrite it at its next read. A view into it therefore never outlives the read
 *   callback: the reader copies it before the sink sees it. Idle sockets cost no buffer.
 * - An OWN buffer per socket while its reads fill whole buffers (a bulk stream). Only that socket
 *   reads into it, so the sink may write a view of it without a copy. If that write does not
 *   complete at once (a slow client), the view stays queued: the sink calls `pin()` and the buffer
 *   is left to the write; the socket's next read goes to a fresh own buffer or the shared one.
 *
 * A read that does not fill its buffer ends the burst: the next read goes to the shared buffer
 * again and an own buffer nobody holds goes back to a small spare list, so a connection that has
 * gone quiet holds no buffer of its own (idle memory stays per-socket state only).
 */
const SHARED_BYTES = 64 * 1024;
const OWN_BYTES = 256 * 1024;
/** Own buffers kept for the next burst of any socket; more are left to the GC. */
const MAX_SPARE = 16;
/** A borrowed view below this size is copied rather than written in place (cheap, and frees the buffer at once). */
const COPY_BELOW_BYTES = 8 * 1024;

const shared = Buffer.allocUnsafe(SHARED_BYTES);
const spare: Buffer[] = [];

/**
 * `borrowed`: the view points into the socket's own buffer and is valid only during the call;
 * keep it past the call only by copying it, or by a write that `pin()`s it (see writeView).
 * An unborrowed view is the sink's to keep.
 */
export type Sink = (view: Buffer, borrowed: boolean) => void;

export class NodeReader {
  sink: Sink = () => {};
  private own: Buffer | undefined;
  private pinned = false;

  /** Pass as `onread` to net.connect. */
  readonly onread = {
    buffer: (): Buffer => this.own ?? shared,
    // Returning false would pause the socket: pausing is the sink's call (socket.pause()).
    callback: (bytes: number, buf: Buffer): boolean => {
      const full = bytes === buf.length;
      if (buf === shared) {
        this.sink(Buffer.from(buf.subarray(0, bytes)), false);
        if (full) this.own = spare.pop() ?? Buffer.allocUnsafe(OWN_BYTES);
        return true;
      }
      this.pinned = false;
      this.sink(buf.subarray(0, bytes), true);
      if (this.pinned) {
        // The buffer belongs to the queued write now; the GC frees it once the write is done.
        this.own = full ? (spare.pop() ?? Buffer.allocUnsafe(OWN_BYTES)) : undefined;
      } else if (!full) {
        if (spare.length < MAX_SPARE) spare.push(buf);
        this.own = undefined;
      }
      return true;
    },
  };

  /** A write still holds the borrowed view it was given: never read into that buffer again. */
  pin(): void {
    this.pinned = true;
  }
}

/**
 * Writes a view from a NodeReader to `to`. A borrowed view is written in place when the write
 * completes at once; small views and views that would queue behind other writes are copied, and a
 * view a queued write still holds is pinned. Returns write()'s answer (false: pause the source
 * until 'drain').
 */
export function writeView(to: { write(b: Buffer): boolean; readonly writableLength: number }, view: Buffer, borrowed: boolean, reader: NodeReader): boolean {
  if (!borrowed) return to.write(view);
  if (view.length < COPY_BELOW_BYTES || to.writableLength > 0) return to.write(Buffer.from(view));
  const ok = to.write(view);
  if (to.writableLength > 0) reader.pin();
  return ok;
}
