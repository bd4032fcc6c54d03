/**
 * AsyncChat with one subscriber to each `asynchat:*` diagnostics channel:
 * the same channel as the AsyncChat row. Framing publishes nothing per read
 * or per frame (open, close and error are per connection or failure), so this
 * row should match its baseline.
 */

import { collectingFramers } from "../counting";
import { subscribeToAll } from "../diagnostics";
import type { NodeRow } from "../harness";
import { WithAppendData } from "./async-chat";

subscribeToAll();

export const row: NodeRow = {
  name: "AsyncChat (diagnostics)",
  order: 11,
  description: "the AsyncChat row with one subscriber to each asynchat:* diagnostics channel",
  baseline: "AsyncChat",
  framers: collectingFramers(WithAppendData),
};
