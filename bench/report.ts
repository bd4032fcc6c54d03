/**
 * Turns measurements into the printed tables: throughput with ratios to
 * the limit, the growth of each trap from 1 MiB to 4 MiB, and the targets
 * the rows declare.
 */

import type { Row, Workload } from "./harness";

/** One row on one workload. */
export interface Measurement {
  workload: string;
  row: string;
  status: "ok" | "failed" | "skipped" | "timeout";
  /** For a timeout: the limit it ran past. */
  timeoutSeconds?: number;
  /** Why it was skipped or how its input differs (e.g. scaled down). */
  note?: string;
  error?: string;
  inputBytes?: number;
  frames?: number;
  /** Median seconds per pass over the input, by the clock of the run. */
  secondsPerPass?: number;
  /** Seconds per pass of each timed run, by the clock of the run. */
  seconds?: number[];
  /** Process CPU seconds (user + system, all threads) per pass of each timed run. */
  cpuSeconds?: number[];
  /** Wall-clock seconds per pass of each timed run. */
  wallSeconds?: number[];
  /** Median process CPU seconds (user + system, all threads) per pass. */
  cpuSecondsPerPass?: number;
  /** Median wall-clock seconds per pass. */
  wallSecondsPerPass?: number;
  reps?: number;
  /** The warm-up was slow enough to be the only measurement. */
  single?: boolean;
  framesPerSecond?: number;
  megabytesPerSecond?: number;
}

export interface Growth {
  trap: string;
  row: string;
  small?: number;
  large?: number;
  /** Time for the 4 MiB input over time for the 1 MiB input (linear: 4). */
  factor?: number;
  /** The 4 MiB input timed out: `large` and `factor` are lower bounds. */
  lowerBound?: boolean;
  note?: string;
}

export interface TargetCheck {
  row: string;
  description: string;
  value?: number;
  met?: boolean;
  note?: string;
}

export const LIMIT = "limit";

export function find(measurements: readonly Measurement[], workload: string, row: string): Measurement | undefined {
  return measurements.find((m) => m.workload === workload && m.row === row);
}

function ok(m: Measurement | undefined): m is Measurement & { framesPerSecond: number; secondsPerPass: number } {
  return m !== undefined && m.status === "ok" && m.framesPerSecond !== undefined;
}

/** `a / b` frames/s, or undefined when either is missing. */
export function ratio(measurements: readonly Measurement[], workload: string, row: string, of: string): number | undefined {
  const mine = find(measurements, workload, row);
  const theirs = find(measurements, workload, of);
  return ok(mine) && ok(theirs) ? mine.framesPerSecond / theirs.framesPerSecond : undefined;
}

export function growths(measurements: readonly Measurement[], workloads: readonly Workload[], rows: readonly Row[]): Growth[] {
  const groups = new Map<string, { small?: Workload; large?: Workload }>();
  for (const w of workloads) {
    if (w.trap === undefined) continue;
    const group = groups.get(w.trap.group) ?? {};
    if (w.trap.mebibytes === 1) group.small = w;
    else group.large = w;
    groups.set(w.trap.group, group);
  }
  const result: Growth[] = [];
  for (const [trap, { small, large }] of groups) {
    if (small === undefined || large === undefined) continue;
    for (const row of rows) {
      const s = find(measurements, small.id, row.name);
      const l = find(measurements, large.id, row.name);
      if (s === undefined && l === undefined) continue;
      if (ok(s) && ok(l)) {
        result.push({ trap, row: row.name, small: s.secondsPerPass, large: l.secondsPerPass, factor: l.secondsPerPass / s.secondsPerPass });
      } else if (ok(s) && l?.status === "timeout") {
        const large = l.timeoutSeconds!;
        result.push({ trap, row: row.name, small: s.secondsPerPass, large, factor: large / s.secondsPerPass, lowerBound: true });
      } else {
        result.push({ trap, row: row.name, note: (l ?? s)?.note ?? (l ?? s)?.error ?? "not measured" });
      }
    }
  }
  return result;
}

export function checkTargets(measurements: readonly Measurement[], growth: readonly Growth[], rows: readonly Row[], workloads: readonly Workload[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const measured = new Set(workloads.map((w) => w.id));
  for (const row of rows) {
    for (const target of row.targets ?? []) {
      if (target.kind === "ratio") {
        for (const workload of target.workloads) {
          if (!measured.has(workload)) continue;
          const description =
            target.atLeast === 1
              ? `${row.name} ahead of ${target.of} on (${workload})`
              : `${row.name} >= ${percent(target.atLeast)} of ${target.of} on (${workload})`;
          const value = ratio(measurements, workload, row.name, target.of);
          if (value === undefined) {
            const other = find(measurements, workload, target.of) ?? find(measurements, workload, row.name);
            checks.push({ row: row.name, description, note: other?.note ?? other?.error ?? "not measured" });
          } else {
            checks.push({ row: row.name, description, value, met: value >= target.atLeast });
          }
        }
      } else {
        for (const trap of target.traps) {
          const g = growth.find((x) => x.trap === trap && x.row === row.name);
          if (g === undefined) continue;
          // Linear is 4x. When the limit itself (linear by construction) grows more in this run, caches and
          // the allocator made the large input dearer for every row: the allowance grows by the same factor.
          const limit = growth.find((x) => x.trap === trap && x.row === LIMIT);
          const machine = limit?.factor !== undefined && !limit.lowerBound ? Math.max(1, limit.factor / 4) : 1;
          const allowed = target.atMost * machine;
          const description =
            `${row.name} trap (${trap}) grows <= ${target.atMost}x from 1 to 4 MiB` +
            (machine > 1 ? ` (the limit grew ${limit!.factor!.toFixed(2)}x: allowed ${allowed.toFixed(2)}x)` : "");
          if (g.factor === undefined) checks.push({ row: row.name, description, note: g.note ?? "not measured" });
          else if (g.lowerBound && g.factor <= allowed) checks.push({ row: row.name, description, note: "4 MiB timed out" });
          else checks.push({ row: row.name, description, value: g.factor, met: g.factor <= allowed });
        }
      }
    }
  }
  return checks;
}

// ---------------------------------------------------------------- formatting

export function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(x >= 1e7 ? 1 : 2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(x >= 1e5 ? 0 : 1)} k`;
  return x.toFixed(1);
}

export function megabytes(x: number): string {
  return x >= 10 ? Math.round(x).toLocaleString("en-US") : x.toFixed(x >= 1 ? 1 : 2);
}

export function duration(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(2)} s`;
  const ms = seconds * 1000;
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

/** Formats rows of cells as aligned columns; `right` lists the right-aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function throughputTable(measurements: readonly Measurement[], workloads: readonly Workload[], rows: readonly Row[]): string {
  const withBaseline = rows.some((r) => r.baseline !== undefined);
  const header = ["workload", "implementation", "frames/s", "MB/s", "vs limit", ...(withBaseline ? ["vs baseline"] : []), "runs", "note"];
  const lines: string[][] = [];
  for (const w of workloads) {
    for (const row of rows) {
      const m = find(measurements, w.id, row.name);
      if (m === undefined) continue;
      const cells: string[] = [w.label, row.name];
      if (m.status === "ok") {
        const vsLimit = ratio(measurements, w.id, row.name, LIMIT);
        cells.push(rate(m.framesPerSecond!), megabytes(m.megabytesPerSecond!), vsLimit === undefined ? "-" : percent(vsLimit));
        if (withBaseline) {
          const vs = row.baseline === undefined ? undefined : ratio(measurements, w.id, row.name, row.baseline);
          cells.push(vs === undefined ? "" : `${percent(vs)} of ${row.baseline}`);
        }
        cells.push(m.single ? "1" : `${m.seconds!.length}x${m.reps}`, [m.single ? "one slow pass" : "", m.note ?? ""].filter(Boolean).join("; "));
      } else {
        cells.push(m.status === "failed" ? "FAILED" : m.status === "timeout" ? "timeout" : "-", "", "");
        if (withBaseline) cells.push("");
        cells.push("", m.status === "failed" ? (m.error ?? "").split("\n")[0]! : (m.note ?? ""));
      }
      lines.push(cells);
    }
  }
  const right = new Set([2, 3, 4, ...(withBaseline ? [5, 6] : [5])]);
  return table(header, lines, right);
}

export function growthTable(growth: readonly Growth[], workloads: readonly Workload[]): string {
  const label = (trap: string) => {
    const w = workloads.find((x) => x.trap?.group === trap);
    return w === undefined ? trap : w.label.replace(/, \d+ MiB$/, "");
  };
  const lines = growth.map((g) =>
    g.factor === undefined
      ? [label(g.trap), g.row, "", "", "-", g.note ?? ""]
      : [
          label(g.trap),
          g.row,
          duration(g.small!),
          `${g.lowerBound ? "> " : ""}${duration(g.large!)}`,
          `${g.lowerBound ? "> " : ""}${g.factor.toFixed(2)}x`,
          g.factor > 5 ? "superlinear" : "",
        ],
  );
  return table(["trap", "implementation", "1 MiB", "4 MiB", "growth", ""], lines, new Set([2, 3, 4]));
}

export function targetLines(checks: readonly TargetCheck[]): string {
  return checks
    .map((c) => {
      if (c.met === undefined) return `  [ n/a ]  ${c.description}: ${c.note}`;
      const shown = c.description.includes("grows") ? `${c.value!.toFixed(2)}x` : c.description.includes("ahead") ? `${c.value!.toFixed(2)}x` : percent(c.value!);
      return `  [${c.met ? " met " : "MISSED"}]  ${c.description}: ${shown}`;
    })
    .join("\n");
}
