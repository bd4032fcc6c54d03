/**
 * `npm run bench`: the framing benchmark.
 *
 * Every row (a file in `bench/rows/`) runs on every workload it supports,
 * each pair in a child process of its own, one after another so they do not
 * compete for cores. A child warms up, then times several runs; the median
 * is reported as frames/s and MB/s and as a ratio to the limit row of the
 * same run. Prints the tables on stdout (progress on stderr) and writes the
 * whole result as JSON to `bench/results/<timestamp>.json`.
 *
 * Options (after `npm run bench --`):
 *   --rounds R           rounds over all rows per workload (default 2); a row's runs from every
 *                        round are pooled, so a burst of load from elsewhere weighs on one round only
 *   --runs N             timed runs per row, workload and round (default 3)
 *   --clock cpu|wall     time runs by the child's CPU time (user + system, default) or wall clock
 *   --workloads a,b,e    only these workloads (`e` means e1 and e4)
 *   --rows limit,split2  only these rows (by name, case-insensitive)
 *   --retain             keep each pass's channel or parser alive until the next pass has run (see FrameFunction in harness.ts)
 *   --skip-slow-traps    leave out the traps for rows that take tens of seconds on them
 *   --timeout S          give up on one child after S seconds (default 240; reported, not a failure)
 */

import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ChildResult, type Job, type Row, type RunOptions, type Workload, checkCounter, isExternal, median, supports } from "./harness";
import {
  LIMIT,
  type Measurement,
  checkTargets,
  growthTable,
  growths,
  rate,
  targetLines,
  throughputTable,
} from "./report";
import { onCore, pinned } from "./servers/processes";
import { scenarioOf, workloads as allWorkloads } from "./workloads";

const ROWS_DIR = path.join(__dirname, "rows");
const CHILD = path.join(__dirname, "child.js");
const RESULTS_DIR = path.resolve(__dirname, "..", "results");
/** The core every child runs on (its helper threads too). */
const CHILD_CORE = 1;

interface Options extends RunOptions {
  rounds: number;
  runs: number;
  clock: "cpu" | "wall";
  workloads: string[] | null;
  rows: string[] | null;
  timeoutSeconds: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    rounds: 2,
    runs: 3,
    clock: "cpu",
    workloads: null,
    rows: null,
    retain: false,
    skipSlowTraps: false,
    timeoutSeconds: 240,
  };
  const list = (value: string | undefined, flag: string) => {
    if (value === undefined || value === "") throw new Error(`${flag} needs a comma-separated list`);
    return value.split(",").map((s) => s.trim().toLowerCase());
  };
  const count = (value: string | undefined, flag: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case "--runs":
        options.runs = count(argv[++i], flag);
        break;
      case "--rounds":
        options.rounds = count(argv[++i], flag);
        break;
      case "--workloads":
        options.workloads = list(argv[++i], flag);
        break;
      case "--rows":
        options.rows = list(argv[++i], flag);
        break;
      case "--clock": {
        const clock = argv[++i];
        if (clock !== "cpu" && clock !== "wall") throw new Error(`--clock is cpu or wall, got ${JSON.stringify(clock)}`);
        options.clock = clock;
        break;
      }
      case "--retain":
        options.retain = true;
        break;
      case "--skip-slow-traps":
        options.skipSlowTraps = true;
        break;
      case "--timeout":
        options.timeoutSeconds = count(argv[++i], flag);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

/** Every row module in `rows/`, in table order. */
function loadRows(): { row: Row; file: string }[] {
  const found: { row: Row; file: string }[] = [];
  for (const name of readdirSync(ROWS_DIR).sort()) {
    if (!name.endsWith(".js")) continue;
    const file = path.join(ROWS_DIR, name);
    const row = (require(file) as { row?: Row }).row;
    if (row === undefined) throw new Error(`${file} exports no row`);
    if (found.some((f) => f.row.name === row.name)) throw new Error(`two rows are named ${row.name}`);
    found.push({ row, file });
  }
  return found.sort((x, y) => x.row.order - y.row.order);
}

/** A child that ran past `--timeout`: reported as such, not as a failure (the quadratic cases). */
class ChildTimeout extends Error {}

/** Runs a command; resolves with its stdout, or rejects with its stderr (or a {@link ChildTimeout}). */
function runChild(file: string, args: string[], timeoutSeconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutSeconds * 1000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new ChildTimeout(`timed out after ${timeoutSeconds} s`));
      else if (code === 0) resolve(stdout);
      else reject(new Error(stderr.trim() || `exited with ${code ?? signal}`));
    });
  });
}

async function measure(row: Row, file: string, workload: Workload, options: Options): Promise<Measurement> {
  const base = { workload: workload.id, row: row.name };
  let spec = workload.spec;
  let note: string | undefined;
  if (isExternal(row) && row.adapt !== undefined) {
    const adapted = row.adapt(workload, options);
    if ("skip" in adapted) return { ...base, status: "skipped", note: adapted.skip };
    spec = adapted.spec;
    note = adapted.note;
  }
  const job: Job = {
    spec,
    expected: scenarioOf(spec).expected(spec),
    runs: options.runs,
    minRunMs: 500,
    slowMs: 3000,
    budgetMs: 20_000,
    retain: options.retain,
  };
  const command = isExternal(row)
    ? row.command(job)
    : { file: process.execPath, args: ["--expose-gc", CHILD, file, JSON.stringify(job)] };
  // On one core, helper threads included: see "How it measures" in bench/README.md.
  const [program, ...args] = onCore(CHILD_CORE, [command.file, ...command.args]);
  try {
    const stdout = await runChild(program!, args, options.timeoutSeconds);
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as ChildResult;
    checkCounter(result.counter, job.expected, `${row.name} on ${workload.label}`);
    const perRun = options.clock === "cpu" ? result.seconds : result.wallSeconds;
    const secondsPerPass = median(perRun);
    return {
      ...base,
      status: "ok",
      ...(note === undefined ? {} : { note }),
      inputBytes: result.inputBytes,
      frames: job.expected.frames,
      secondsPerPass,
      seconds: perRun,
      cpuSeconds: result.seconds,
      wallSeconds: result.wallSeconds,
      cpuSecondsPerPass: median(result.seconds),
      wallSecondsPerPass: median(result.wallSeconds),
      reps: result.reps,
      single: result.single === true,
      framesPerSecond: job.expected.frames / secondsPerPass,
      megabytesPerSecond: result.inputBytes / secondsPerPass / 1e6,
    };
  } catch (error) {
    if (error instanceof ChildTimeout) {
      return { ...base, status: "timeout", note: `${error.message} (one pass takes longer)`, timeoutSeconds: options.timeoutSeconds };
    }
    return { ...base, status: "failed", error: error instanceof Error ? error.message : String(error) };
  }
}

/** One measurement from the runs of two: a failure in either wins; otherwise the runs are pooled and the medians taken again. */
function pool(a: Measurement, b: Measurement, options: Options): Measurement {
  if (b.status !== "ok") return b;
  const cpuSeconds = [...a.cpuSeconds!, ...b.cpuSeconds!];
  const wallSeconds = [...a.wallSeconds!, ...b.wallSeconds!];
  const seconds = options.clock === "cpu" ? cpuSeconds : wallSeconds;
  const secondsPerPass = median(seconds);
  return {
    ...a,
    seconds,
    cpuSeconds,
    wallSeconds,
    secondsPerPass,
    cpuSecondsPerPass: median(cpuSeconds),
    wallSecondsPerPass: median(wallSeconds),
    framesPerSecond: a.frames! / secondsPerPass,
    megabytesPerSecond: a.inputBytes! / secondsPerPass / 1e6,
  };
}

function cpuModel(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const rows = loadRows().filter(({ row }) => options.rows === null || options.rows.includes(row.name.toLowerCase()));
  const workloads = allWorkloads.filter(
    (w) => options.workloads === null || options.workloads.includes(w.id) || options.workloads.includes(w.trap?.group ?? ""),
  );
  if (rows.length === 0 || workloads.length === 0) throw new Error("no rows or no workloads selected");

  const unavailable = new Map<string, string>();
  for (const { row } of rows) {
    if (!isExternal(row)) continue;
    const reason = row.unavailable();
    if (reason !== null) unavailable.set(row.name, reason);
  }

  const started = Date.now();
  const loadStart = os.loadavg()[0]!;
  const measurements: Measurement[] = [];
  // The sizes of one trap share each round, so a slowdown of the machine part-way weighs on both sizes, not on the growth.
  const batches: Workload[][] = [];
  for (const workload of workloads) {
    const last = batches[batches.length - 1];
    if (workload.trap !== undefined && last?.[0]?.trap?.group === workload.trap.group) last.push(workload);
    else batches.push([workload]);
  }
  for (const batch of batches) {
    const first = new Map<string, Measurement>();
    for (let round = 1; round <= options.rounds; round++) {
      for (const workload of batch) {
        const framing = scenarioOf(workload.spec).framing;
        for (const { row, file } of rows) {
          if (!supports(row, framing)) continue;
          const key = `${workload.id} ${row.name}`;
          const earlier = first.get(key);
          // Only measured runs are repeated: not a skip, a failure, or a pass so slow it was the only one.
          if (earlier !== undefined && (earlier.status !== "ok" || earlier.single === true)) continue;
          const reason = unavailable.get(row.name);
          const m: Measurement =
            reason === undefined
              ? await measure(row, file, workload, options)
              : { workload: workload.id, row: row.name, status: "skipped", note: `skipped: ${reason}` };
          if (earlier === undefined) {
            first.set(key, m);
            measurements.push(m);
          } else {
            const pooled = pool(earlier, m, options);
            first.set(key, pooled);
            measurements[measurements.indexOf(earlier)] = pooled;
          }
          const shown =
            m.status === "ok"
              ? `${rate(m.framesPerSecond!)} frames/s, ${Math.round(m.megabytesPerSecond!)} MB/s`
              : m.status === "failed"
                ? `FAILED: ${m.error}`
                : m.note;
          const which = options.rounds > 1 ? ` (round ${round})` : "";
          process.stderr.write(`  ${workload.label.padEnd(30)} ${`${row.name}${which}`.padEnd(28)} ${shown}\n`);
        }
      }
    }
  }
  const elapsed = (Date.now() - started) / 1000;

  const rowList = rows.map((r) => r.row);
  const growth = growths(measurements, workloads, rowList);
  const targets = checkTargets(measurements, growth, rowList, workloads);
  const failed = measurements.filter((m) => m.status === "failed");

  const out: string[] = [];
  out.push(`Framing benchmark: node ${process.version}, ${os.platform()} ${os.arch()}, ${cpuModel()}`);
  const clock =
    options.clock === "cpu"
      ? "process CPU time (user + system, all threads; less disturbed by other load than wall-clock, which is in the JSON)"
      : "wall-clock time";
  out.push(`Median of up to ${options.rounds * options.runs} timed runs after a warm-up (${options.rounds} round(s) of ${options.runs}), by ${clock}.`);
  out.push(`Each implementation and workload in its own process per round, one at a time; the rounds alternate the rows. "runs" is runs x passes per run.`);
  out.push(pinned ? `Every child on core ${CHILD_CORE}, its helper threads included.` : "Note: taskset is not available; the children are not pinned to a core.");
  out.push(`Frames: lines; for RESP a header and a body each. MB/s counts input bytes (10^6).`);
  out.push(
    options.retain
      ? "--retain: a new channel or parser per pass; the previous one is kept alive meanwhile, as on a server with an open connection."
      : "A new channel or parser per pass, the previous one dropped.",
  );
  const busy = Math.max(loadStart, os.loadavg()[0]!);
  if (busy > os.cpus().length / 2) {
    out.push(`Note: the machine was busy (load average up to ${busy.toFixed(1)} on ${os.cpus().length} cores); expect noise.`);
  }
  out.push("");
  out.push(throughputTable(measurements, workloads, rowList));
  const growthText = growthTable(growth, workloads);
  if (growth.length > 0) {
    out.push("");
    out.push("Quadratic traps: time per pass from 1 MiB to 4 MiB (linear is 4x; target <= 5x)");
    out.push("");
    out.push(growthText);
  }
  if (targets.length > 0) {
    out.push("");
    out.push("Targets");
    out.push(targetLines(targets));
  }
  out.push("");
  out.push("Rows");
  for (const row of rowList) out.push(`  ${row.name}: ${row.description}${unavailable.has(row.name) ? ` (skipped: ${unavailable.get(row.name)})` : ""}`);
  if (!rowList.some((r) => r.name === LIMIT)) out.push("  (no limit row selected: no ratios)");
  if (failed.length > 0) {
    out.push("");
    out.push(`FAILED (${failed.length}):`);
    for (const m of failed) out.push(`  ${m.row} on ${m.workload}: ${m.error}`);
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const jsonFile = path.join(RESULTS_DIR, `${stamp}.json`);
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    loadAverage: { start: loadStart, end: os.loadavg()[0] },
    cpu: cpuModel(),
    options,
    elapsedSeconds: elapsed,
    workloads,
    rows: rowList.map((r) => ({ name: r.name, description: r.description, baseline: r.baseline, unavailable: unavailable.get(r.name) })),
    measurements,
    growth,
    targets,
  };
  writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  out.push("");
  out.push(`${measurements.length} measurements in ${elapsed.toFixed(0)} s; results in ${path.relative(process.cwd(), jsonFile)}`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
