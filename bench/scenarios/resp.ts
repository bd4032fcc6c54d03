/**
 * Workloads (c) and (d): RESP-like bulk strings, `$<n>\r\n` + n bytes + CRLF.
 * The header is a line, the body a byte count of n + 2 (its CRLF included),
 * so a framer switches terminators twice per message. The body itself
 * contains CRLFs, so anything that looks for lines inside it miscounts.
 * Each message is two frames: the header and the body.
 */

import type { Scenario, WorkloadSpec } from "../harness";

type RespSpec = Extract<WorkloadSpec, { scenario: "resp" }>;

/** A body of `length` bytes made of 64-byte records that end in CRLF. */
export function respBody(length: number): Buffer {
  const record = Buffer.alloc(64, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  record.write("\r\n", 62);
  return Buffer.alloc(length, record);
}

export const scenario: Scenario<RespSpec> = {
  name: "resp",
  framing: "resp",
  build(spec) {
    const message = Buffer.concat([Buffer.from(`$${spec.bodyLength}\r\n`), respBody(spec.bodyLength), Buffer.from("\r\n")]);
    return Buffer.alloc(message.length * spec.messages, message);
  },
  chunkSize: (spec) => spec.chunkSize,
  expected: (spec) => ({ frames: 2 * spec.messages, bytes: spec.messages * spec.bodyLength }),
};
