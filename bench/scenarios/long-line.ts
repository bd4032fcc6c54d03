/**
 * Trap (f): one long line whose terminator comes only at the end, read in
 * small chunks. An implementation that searches its whole buffer again on
 * every read, or grows a string or buffer by concatenation, is quadratic here.
 */

import type { Scenario, WorkloadSpec } from "../harness";

type LongLineSpec = Extract<WorkloadSpec, { scenario: "long-line" }>;

export const scenario: Scenario<LongLineSpec> = {
  name: "long-line",
  framing: "lines",
  build(spec) {
    const input = Buffer.alloc(spec.bytes, "x");
    input.write("\r\n", spec.bytes - 2);
    return input;
  },
  chunkSize: (spec) => spec.chunkSize,
  expected: (spec) => ({ frames: 1, bytes: spec.bytes - 2 }),
};
