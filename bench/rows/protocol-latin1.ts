/**
 * Protocol (latin1): one `@onTerminator("\r\n", { encoding: "latin1" })`
 * state receiving strings, next to split2, which also hands out strings. It
 * can still switch terminators (the RESP row of Protocol (bytes) shows how).
 */

import { Protocol, onTerminator } from "@asynchat/decorators";
import { feedAndCount } from "../counting";
import type { NodeRow } from "../harness";

class Lines extends Protocol {
  frames = 0;
  bytes = 0;

  @onTerminator("\r\n", { encoding: "latin1", maxLength: Infinity })
  line(text: string) {
    this.frames++;
    this.bytes += text.length;
  }
}

export const row: NodeRow = {
  name: "Protocol (latin1)",
  order: 21,
  description: "Protocol: @onTerminator(\"\\r\\n\", { encoding: \"latin1\" }) state with string frames",
  baseline: "split2",
  framers: {
    lines: (chunks, counter) => feedAndCount(new Lines(), chunks, counter),
  },
  targets: [{ kind: "ratio", workloads: ["a", "b"], of: "split2", atLeast: 1.0001 }],
};
