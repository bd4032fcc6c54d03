/**
 * Protocol (bytes): the declarative layer on the same workloads. Lines: one
 * `@onTerminator("\r\n")` state receiving Buffers. RESP: a header state that
 * returns the byte-count state, which returns to the header state.
 */

import { Protocol, onBytes, onTerminator } from "@asynchat/decorators";
import { feedAndCount } from "../counting";
import type { NodeRow } from "../harness";
import { bulkLength } from "../scenarios/resp";

/** CRLF lines as Buffers (also measured with diagnostics subscribers, `protocol-diagnostics.ts`). */
export class Lines extends Protocol {
  frames = 0;
  bytes = 0;

  @onTerminator("\r\n", { maxLength: Infinity })
  line(data: Buffer) {
    this.frames++;
    this.bytes += data.length;
  }
}

/** RESP: a header state and a byte-count body state; two changes of state per message. */
export class Resp extends Protocol {
  frames = 0;
  bytes = 0;
  need = 0;

  @onTerminator("\r\n")
  header(line: Buffer) {
    this.frames++;
    this.need = bulkLength(line) + 2;
    return this.body;
  }

  @onBytes((self: Resp) => self.need)
  body(data: Buffer) {
    this.frames++;
    const length = data.length - 2;
    if (data[length] !== 13 || data[length + 1] !== 10) throw new Error("body not followed by CRLF");
    this.bytes += length;
    return this.header;
  }
}

export const row: NodeRow = {
  name: "Protocol (bytes)",
  order: 13,
  description: "Protocol: @onTerminator(\"\\r\\n\") state with Buffer frames; for RESP a header state and an @onBytes body state",
  baseline: "AsyncChat",
  framers: {
    lines: (chunks, counter) => feedAndCount(new Lines(), chunks, counter),
    resp: (chunks, counter) => feedAndCount(new Resp(), chunks, counter),
  },
  targets: [{ kind: "ratio", workloads: ["a", "b"], of: "AsyncChat", atLeast: 0.9 }],
};
