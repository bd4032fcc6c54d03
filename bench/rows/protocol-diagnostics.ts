/**
 * Protocol (bytes) with one subscriber to each `asynchat:*` diagnostics
 * channel. On RESP every message moves the machine twice (header to body and
 * back), so each one publishes two `asynchat:protocol:state` messages: this
 * row shows what a subscriber costs per change of state.
 */

import { feedAndCount } from "../counting";
import { subscribeToAll } from "../diagnostics";
import type { NodeRow } from "../harness";
import { Lines, Resp } from "./protocol-bytes";

subscribeToAll();

export const row: NodeRow = {
  name: "Protocol (diagnostics)",
  order: 14,
  description: "the Protocol (bytes) row with one subscriber to each asynchat:* diagnostics channel (RESP: two state messages per message)",
  baseline: "Protocol (bytes)",
  framers: {
    lines: (chunks, counter) => feedAndCount(new Lines(), chunks, counter),
    resp: (chunks, counter) => feedAndCount(new Resp(), chunks, counter),
  },
};
