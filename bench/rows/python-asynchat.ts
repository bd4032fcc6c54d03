/**
 * CPython's asynchat, the module this project ports, run by
 * `bench/python_asynchat.py` in its own `python3` process. Skipped when
 * python3 or its asynchat module (removed in Python 3.12) is missing.
 *
 * It frames about 0.7 M lines/s, so (a) and (b) run on an eighth of the
 * lines (rates are per second, so they compare). On trap (e) it is quadratic
 * (it re-slices its buffer after every frame: about 30 s at 4 MiB), so a slow
 * warm-up is its only run there, and `--skip-slow-traps` leaves the traps out.
 */

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { ExternalRow, Job, RunOptions, Workload } from "../harness";

const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = path.resolve(__dirname, "..", "..", "python_asynchat.py");
const LINES_SCALE = 8;

function unavailable(): string | null {
  const probe = spawnSync(PYTHON, ["-W", "ignore", "-c", "import asynchat, sys; print(sys.version.split()[0])"], {
    encoding: "utf8",
  });
  if (probe.error !== undefined) return `${PYTHON} not found`;
  if (probe.status !== 0) return `${PYTHON} has no asynchat module (removed in Python 3.12)`;
  return null;
}

function adapt(workload: Workload, options: RunOptions) {
  const spec = workload.spec;
  if (workload.trap !== undefined && options.skipSlowTraps) {
    return { skip: "skipped (--skip-slow-traps): quadratic on (e), ~30 s at 4 MiB" };
  }
  if (spec.scenario === "lines") {
    return {
      spec: { ...spec, lines: spec.lines / LINES_SCALE },
      note: `1/${LINES_SCALE} input (${(spec.lines / LINES_SCALE).toLocaleString("en-US")} lines)`,
    };
  }
  return { spec };
}

export const row: ExternalRow = {
  name: "python asynchat",
  order: 50,
  description: "CPython asynchat.async_chat subclass (list + b''.join), python3 -W ignore, own process",
  supports: ["lines", "resp"],
  unavailable,
  adapt,
  command: (job: Job) => ({ file: PYTHON, args: ["-W", "ignore", SCRIPT, JSON.stringify(job)] }),
};
