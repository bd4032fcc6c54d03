/**
 * The workloads of `npm run bench`, and how an input is cut into the chunks
 * a socket would deliver.
 */

import type { Scenario, Workload, WorkloadSpec } from "./harness";
import { scenario as lines } from "./scenarios/lines";
import { scenario as longLine } from "./scenarios/long-line";
import { scenario as ping } from "./scenarios/ping";
import { scenario as resp } from "./scenarios/resp";

const KiB = 1024;
const MiB = 1024 * KiB;
/** A typical TCP segment's payload on Ethernet. */
const SEGMENT = 1460;

const scenarios = { lines, resp, ping, "long-line": longLine } as const;

export function scenarioOf(spec: WorkloadSpec): Scenario {
  return scenarios[spec.scenario] as unknown as Scenario;
}

export const workloads: readonly Workload[] = [
  { id: "a", label: "(a) lines, 64 KiB", spec: { scenario: "lines", lines: 2_000_000, lineLength: 60, chunkSize: 64 * KiB } },
  { id: "b", label: "(b) lines, 1460 B", spec: { scenario: "lines", lines: 2_000_000, lineLength: 60, chunkSize: SEGMENT } },
  { id: "c", label: "(c) RESP, 64 KiB", spec: { scenario: "resp", messages: 20_000, bodyLength: 8192, chunkSize: 64 * KiB } },
  { id: "d", label: "(d) RESP, 1460 B", spec: { scenario: "resp", messages: 20_000, bodyLength: 8192, chunkSize: SEGMENT } },
  // (d) at a fifth of the size: the limit's copies stay in cache, so what each read costs beyond them shows.
  { id: "d4k", label: "(d) RESP, 1460 B, 4,000", spec: { scenario: "resp", messages: 4_000, bodyLength: 8192, chunkSize: SEGMENT } },
  { id: "e1", label: "(e) PING x1 read, 1 MiB", spec: { scenario: "ping", bytes: 1 * MiB }, trap: { group: "e", mebibytes: 1 } },
  { id: "e4", label: "(e) PING x1 read, 4 MiB", spec: { scenario: "ping", bytes: 4 * MiB }, trap: { group: "e", mebibytes: 4 } },
  {
    id: "f1",
    label: "(f) long line, 1 KiB, 1 MiB",
    spec: { scenario: "long-line", bytes: 1 * MiB, chunkSize: 1 * KiB },
    trap: { group: "f", mebibytes: 1 },
  },
  {
    id: "f4",
    label: "(f) long line, 1 KiB, 4 MiB",
    spec: { scenario: "long-line", bytes: 4 * MiB, chunkSize: 1 * KiB },
    trap: { group: "f", mebibytes: 4 },
  },
];

/** Views of `input`, `size` bytes each (the last may be shorter), as consecutive reads. */
export function chunk(input: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length; at += size) chunks.push(input.subarray(at, Math.min(at + size, input.length)));
  return chunks;
}
