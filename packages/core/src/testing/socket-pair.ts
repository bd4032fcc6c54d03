/**
 * An in-memory connected socket pair: two Duplex ends where what one writes
 * the other reads, with real backpressure (a writer waits while the reader's
 * buffer is full), half-close, and a count of writes for batching tests.
 * `stream.duplexPair` is missing from older Node 20 releases and has no
 * write count, hence this.
 */

import { Duplex } from "node:stream";

/** Options of {@link createSocketPair}. */
export interface SocketPairOptions {
  /** Bytes each end's readable side buffers before the other end's writes wait. Default 16 KiB. */
  highWaterMark?: number;
  /** Keep an end writable after it has read the other's end (like a TCP socket with allowHalfOpen). Default true. */
  allowHalfOpen?: boolean;
}

/** One end of an in-memory socket pair. */
export class MemorySocket extends Duplex {
  /** The other end, set by {@link createSocketPair}. */
  peer: MemorySocket | null = null;
  /** How many times data left this end: one per `write`, or one per corked batch. */
  writeCount = 0;
  /** Every byte written by this end, in order (for assertions). */
  readonly written: Buffer[] = [];
  #pendingWrite: (() => void) | null = null;

  constructor(options: SocketPairOptions) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? true,
      readableHighWaterMark: options.highWaterMark ?? 16 * 1024,
      writableHighWaterMark: options.highWaterMark ?? 16 * 1024,
      decodeStrings: true,
    });
  }

  /** Everything this end has written so far, as one buffer. */
  writtenBytes(): Buffer {
    return Buffer.concat(this.written);
  }

  override _read(): void {
    // The reader wants more: release the peer's write that waited for room.
    const peer = this.peer;
    if (peer === null) return;
    const pending = peer.#pendingWrite;
    if (pending !== null) {
      peer.#pendingWrite = null;
      pending();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#deliver(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#deliver(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer && !peer.destroyed) peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.();
    // The other end sees the connection end, as with a TCP FIN.
    if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
    if (peer) {
      const peerPending = peer.#pendingWrite;
      peer.#pendingWrite = null;
      peerPending?.();
    }
    callback(error);
  }

  #deliver(chunk: Buffer, callback: (error?: Error | null) => void): void {
    this.writeCount++;
    this.written.push(chunk);
    const peer = this.peer;
    if (!peer || peer.destroyed || peer.readableEnded) {
      callback();
      return;
    }
    if (peer.push(chunk)) callback();
    else this.#pendingWrite = () => callback();
  }
}

/**
 * Two connected in-memory sockets: `[a, b]`, what `a` writes `b` reads and
 * the other way round. Writes honour backpressure like a TCP socket.
 */
export function createSocketPair(options: SocketPairOptions = {}): [MemorySocket, MemorySocket] {
  const a = new MemorySocket(options);
  const b = new MemorySocket(options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
