/**
 * AsyncChat with its own array: the same subclass as the AsyncChat row, but
 * keeping the pieces in an array of its own instead of using appendData/getData:
 * `collectIncomingData` appends each piece to an array, `foundTerminator`
 * joins them. A frame that arrived as one piece (it lies inside one read) is
 * used as it is, since `Buffer.concat` of one element still copies. For RESP
 * the header handler switches to a byte count and the body handler back to
 * CRLF; it parses the header with the same helper as the limit row, so the
 * two differ only in framing. Fed with `handleRead`, no socket.
 */

import { AsyncChat } from "@asynchat/core";
import type { Counter, NodeRow } from "../harness";
import { bulkLength } from "../scenarios/resp";

const EMPTY = Buffer.alloc(0);

/** Collects pieces and joins them at the terminator. */
abstract class Collecting extends AsyncChat {
  #parts: Buffer[] = [];
  frames = 0;
  bytes = 0;

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }

  /** The frame just ended, without its terminator. */
  protected takeFrame(): Buffer {
    const parts = this.#parts;
    const frame = parts.length === 1 ? parts[0]! : parts.length === 0 ? EMPTY : Buffer.concat(parts);
    // A fresh array, as in AsyncChat's own example: `parts.length = 0` is a slow path in V8
    // (a runtime call per frame), measurably slower here.
    this.#parts = [];
    return frame;
  }
}

class LineCounter extends Collecting {
  constructor() {
    super();
    this.setTerminator("\r\n");
  }

  override foundTerminator(): void {
    const line = this.takeFrame();
    this.frames++;
    this.bytes += line.length;
  }
}

class RespCounter extends Collecting {
  /** Body length being received, or -1 while a header line is expected. */
  #body = -1;

  constructor() {
    super();
    this.setTerminator("\r\n");
  }

  override foundTerminator(): void {
    const frame = this.takeFrame();
    this.frames++;
    if (this.#body < 0) {
      const length = bulkLength(frame);
      this.#body = length;
      this.setTerminator(length + 2);
    } else {
      const length = this.#body;
      if (frame[length] !== 13 || frame[length + 1] !== 10) throw new Error("body not followed by CRLF");
      this.bytes += length;
      this.#body = -1;
      this.setTerminator("\r\n");
    }
  }
}

function run(channel: Collecting, chunks: readonly Buffer[], counter: Counter): Collecting {
  for (let i = 0; i < chunks.length; i++) channel.handleRead(chunks[i]!);
  counter.frames = channel.frames;
  counter.bytes = channel.bytes;
  return channel;
}

export const row: NodeRow = {
  name: "AsyncChat (own array)",
  order: 12,
  description: "AsyncChat subclass keeping pieces in its own array, joined at the terminator (one piece used as is)",
  framers: {
    lines: (chunks, counter) => run(new LineCounter(), chunks, counter),
    resp: (chunks, counter) => run(new RespCounter(), chunks, counter),
  },
};
