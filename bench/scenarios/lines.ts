/**
 * Workloads (a) and (b): many short CRLF lines, as a line protocol (SMTP,
 * IRC, memcached text) receives them.
 */

import type { Scenario, WorkloadSpec } from "../harness";

type LinesSpec = Extract<WorkloadSpec, { scenario: "lines" }>;

/** A printable line of `length` bytes (no CR or LF), the same for every line. */
export function lineContent(length: number): Buffer {
  const line = Buffer.alloc(length);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 :-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (let i = 0; i < length; i++) line[i] = alphabet.charCodeAt(i % alphabet.length);
  return line;
}

export const scenario: Scenario<LinesSpec> = {
  name: "lines",
  framing: "lines",
  build(spec) {
    const line = Buffer.concat([lineContent(spec.lineLength), Buffer.from("\r\n")]);
    return Buffer.alloc(line.length * spec.lines, line);
  },
  chunkSize: (spec) => spec.chunkSize,
  expected: (spec) => ({ frames: spec.lines, bytes: spec.lines * spec.lineLength }),
};
