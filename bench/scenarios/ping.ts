/**
 * Trap (e): many `PING\r\n` in one read. An implementation that re-slices or
 * re-scans its buffer after every frame is quadratic here (CPython's
 * asynchat copies the rest of the buffer per frame).
 */

import type { Scenario, WorkloadSpec } from "../harness";

type PingSpec = Extract<WorkloadSpec, { scenario: "ping" }>;

const PING = "PING\r\n";

export const scenario: Scenario<PingSpec> = {
  name: "ping",
  framing: "lines",
  build: (spec) => Buffer.alloc(Math.floor(spec.bytes / PING.length) * PING.length, PING),
  chunkSize: (spec) => Math.floor(spec.bytes / PING.length) * PING.length,
  expected(spec) {
    const frames = Math.floor(spec.bytes / PING.length);
    return { frames, bytes: frames * (PING.length - 2) };
  },
};
