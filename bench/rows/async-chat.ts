/**
 * AsyncChat: the channel as an asynchat user writes it: `collectIncomingData`
 * keeps each piece with `appendData` (asynchat's `_collect_incoming_data`)
 * and `foundTerminator` joins them with `getData` (`_get_data`), which hands
 * a frame that arrived in one piece over as it is. The line and RESP
 * counters are the shared ones (`counting.ts`). Fed with `handleRead`, no socket.
 */

import type { NodeRow } from "../harness";
import { CollectingChat, collectingFramers } from "../counting";

/** Keeps pieces with asynchat's own pair of helpers. */
export class WithAppendData extends CollectingChat {
  override collectIncomingData(data: Buffer): void {
    this.appendData(data);
  }

  takeFrame(): Buffer {
    return this.getData();
  }
}

export const row: NodeRow = {
  name: "AsyncChat",
  order: 10,
  description: "AsyncChat subclass: collect pieces with appendData, join at the terminator with getData (one piece used as is)",
  framers: collectingFramers(WithAppendData),
  targets: [
    { kind: "ratio", workloads: ["a", "b"], of: "limit", atLeast: 0.7 },
    { kind: "ratio", workloads: ["c"], of: "limit", atLeast: 0.8 },
    // Reads of one TCP segment, where the work per read counts: at both sizes, by either clock.
    { kind: "ratio", workloads: ["d", "d4k"], of: "limit", atLeast: 0.9 },
    { kind: "ratio", workloads: ["c", "d"], of: "redis-parser", atLeast: 1 },
    { kind: "ratio", workloads: ["c", "d"], of: "python asynchat", atLeast: 1 },
    { kind: "growth", traps: ["e", "f"], atMost: 5 },
  ],
};
