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

/**
 * The body length in a header line `$<digits>` (without its CRLF). Throws on
 * anything else. Shared by the rows that parse headers themselves, so they
 * do the same application work and differ only in framing.
 */
export function bulkLength(header: Buffer): number {
  if (header[0] !== 0x24 || header.length < 2 || header.length > 16) {
    throw new Error(`bad header ${JSON.stringify(header.toString("latin1"))}`);
  }
  let n = 0;
  for (let i = 1; i < header.length; i++) {
    const digit = header[i]! - 48;
    if (digit < 0 || digit > 9) throw new Error(`bad header ${JSON.stringify(header.toString("latin1"))}`);
    n = n * 10 + digit;
  }
  return n;
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
