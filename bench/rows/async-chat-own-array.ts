/**
 * AsyncChat with its own array: the AsyncChat row's counters (`counting.ts`)
 * keeping the pieces in an array of their own instead of using
 * appendData/getData: `collectIncomingData` appends each piece,
 * `takeFrame` joins them. A frame that arrived as one piece (it lies inside
 * one read) is used as it is, since `Buffer.concat` of one element still
 * copies. Fed with `handleRead`, no socket.
 */

import type { NodeRow } from "../harness";
import { CollectingChat, collectingFramers } from "../counting";

const EMPTY = Buffer.alloc(0);

/** Collects pieces in its own array and joins them at the terminator. */
class WithOwnArray extends CollectingChat {
  #parts: Buffer[] = [];

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }

  takeFrame(): Buffer {
    const parts = this.#parts;
    const frame = parts.length === 1 ? parts[0]! : parts.length === 0 ? EMPTY : Buffer.concat(parts);
    // A fresh array, as in AsyncChat's own example: `parts.length = 0` is a slow path in V8
    // (a runtime call per frame), measurably slower here.
    this.#parts = [];
    return frame;
  }
}

export const row: NodeRow = {
  name: "AsyncChat (own array)",
  order: 12,
  description: "AsyncChat subclass keeping pieces in its own array, joined at the terminator (one piece used as is)",
  framers: collectingFramers(WithOwnArray),
};
