/**
 * AsyncChat: the channel as an asynchat user writes it: `collectIncomingData`
 * keeps each piece with `appendData` (asynchat's `_collect_incoming_data`)
 * and `foundTerminator` joins them with `getData` (`_get_data`), which hands
 * a frame that arrived in one piece over as it is. For RESP
 * the header handler switches to a byte count and the body handler back to
 * CRLF; it parses the header with the same helper as the limit row, so the
 * two differ only in framing. Fed with `handleRead`, no socket.
 */

import { AsyncChat } from "@asynchat/core";
import type { Counter, NodeRow } from "../harness";
import { bulkLength } from "../scenarios/resp";

/** Collects pieces and joins them at the terminator, with asynchat's own pair of helpers. */
abstract class Collecting extends AsyncChat {
  frames = 0;
  bytes = 0;

  override collectIncomingData(data: Buffer): void {
    this.appendData(data);
  }

  /** The frame just ended, without its terminator. */
  protected takeFrame(): Buffer {
    return this.getData();
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
  name: "AsyncChat",
  order: 10,
  description: "AsyncChat subclass: collect pieces with appendData, join at the terminator with getData (one piece used as is)",
  framers: {
    lines: (chunks, counter) => run(new LineCounter(), chunks, counter),
    resp: (chunks, counter) => run(new RespCounter(), chunks, counter),
  },
  targets: [
    { kind: "ratio", workloads: ["a", "b"], of: "limit", atLeast: 0.7 },
    { kind: "ratio", workloads: ["c", "d"], of: "limit", atLeast: 0.8 },
    { kind: "ratio", workloads: ["c", "d"], of: "redis-parser", atLeast: 1 },
    { kind: "ratio", workloads: ["c", "d"], of: "python asynchat", atLeast: 1 },
    { kind: "growth", traps: ["e", "f"], atMost: 5 },
  ],
};
