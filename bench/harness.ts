/**
 * The shapes shared by the benchmark runner, its child processes and the
 * rows. A row (one implementation) is one file in `bench/rows/`; a scenario
 * (how an input is built and what it must frame into) is one file in
 * `bench/scenarios/`.
 */

/** How a scenario is framed: CRLF lines, or RESP-like header lines and byte-count bodies. */
export type Framing = "lines" | "resp";

/** The parameters of one input, enough to rebuild it byte for byte (also in Python). */
export type WorkloadSpec =
  /** `lines` lines of `lineLength` bytes plus CRLF, read in `chunkSize`-byte chunks. */
  | { scenario: "lines"; lines: number; lineLength: number; chunkSize: number }
  /** `messages` times `$<bodyLength>\r\n` + body + CRLF, read in `chunkSize`-byte chunks. */
  | { scenario: "resp"; messages: number; bodyLength: number; chunkSize: number }
  /** As many `PING\r\n` as fit in `bytes`, read as one chunk. */
  | { scenario: "ping"; bytes: number }
  /** One line of `bytes` bytes including its CRLF, read in `chunkSize`-byte chunks. */
  | { scenario: "long-line"; bytes: number; chunkSize: number };

export type ScenarioName = WorkloadSpec["scenario"];

/**
 * What a correct implementation reports for one pass over an input: the
 * number of frames, and the bytes of frame content it handed on (lines
 * without their terminator; for RESP, the bodies without their CRLF).
 */
export interface Counter {
  frames: number;
  bytes: number;
}

/** A scenario: builds its input and knows what it must frame into. */
export interface Scenario<S extends WorkloadSpec = WorkloadSpec> {
  name: S["scenario"];
  framing: Framing;
  /** The whole input, as one buffer. */
  build(spec: S): Buffer;
  /** Chunk size the input is read in (the whole input for one chunk). */
  chunkSize(spec: S): number;
  expected(spec: S): Counter;
}

/** One measured input: (a) to (d), and the traps (e) and (f) at two sizes. */
export interface Workload {
  /** Short id used on the command line and in the JSON: `a`..`d`, `e1`, `e4`, `f1`, `f4`. */
  id: string;
  /** Table label, e.g. `(a) lines, 64 KiB`. */
  label: string;
  spec: WorkloadSpec;
  /** For the quadratic traps: which trap (`e`, `f`) and the input size in MiB. */
  trap?: { group: string; mebibytes: number };
}

/**
 * Frames every chunk, in order, as one stream. Counts frames and content
 * bytes into `counter`. Returns (or resolves to) the object that did the
 * framing (a channel, a parser, a stream), if any. By default it is dropped,
 * as an independent benchmark drops its parser after each pass; with
 * `--retain` the harness keeps the last one alive until the next pass has
 * run, as a server keeps some connection open. The difference shows in a
 * library whose optimised code depends on its instances staying alive: V8
 * drops the hidden classes of a class once no instance of it is left at a
 * full collection, and the optimised code built on them with them.
 */
export type FrameFunction = (chunks: readonly Buffer[], counter: Counter) => Framed | Promise<Framed>;

/** What a {@link FrameFunction} hands back to be kept alive, or nothing. */
export type Framed = object | undefined | void;

/** A target a row is expected to meet; checked and printed after the run. */
export type Target =
  /** Frames/s at least `atLeast` times the row named `of`, on each workload listed. */
  | { kind: "ratio"; workloads: readonly string[]; of: string; atLeast: number }
  /** Time from the 1 MiB to the 4 MiB input of each trap listed grows at most `atMost` times. */
  | { kind: "growth"; traps: readonly string[]; atMost: number };

interface RowBase {
  /** Name in the table, unique. */
  name: string;
  /** Position in the table (smaller first). The limit is 0, AsyncChat 10, ... */
  order: number;
  /** One line: what the row measures. Printed under the table. */
  description: string;
  /** Another row to show a second ratio against (e.g. a wrapper next to what it wraps). */
  baseline?: string;
  targets?: readonly Target[];
}

/** A row implemented in Node, run by `bench/dist/child.js`. */
export interface NodeRow extends RowBase {
  framers: Partial<Record<Framing, FrameFunction>>;
}

/** What the runner hands a child process: one input, how to measure it, what to expect. */
export interface Job {
  spec: WorkloadSpec;
  expected: Counter;
  /** Timed runs after the warm-up. */
  runs: number;
  /** A run repeats the input until it lasts at least this long (short inputs are too noisy otherwise). */
  minRunMs: number;
  /** A warm-up pass longer than this is the only measurement (quadratic cases). */
  slowMs: number;
  /** Stop adding runs once the timed runs have taken this long. */
  budgetMs: number;
  /** Keep what the last pass framed with alive until the next pass (see {@link FrameFunction}). */
  retain: boolean;
}

/** Options of a benchmark run that rows may consult. */
export interface RunOptions {
  /** Keep each pass's channel or parser alive until the next pass (`--retain`; see {@link FrameFunction}). */
  retain: boolean;
  /** Skip inputs a row is known to take tens of seconds on (e.g. CPython's asynchat on the traps). */
  skipSlowTraps: boolean;
}

/** A row implemented outside Node (another language), run as its own command. */
export interface ExternalRow extends RowBase {
  supports: readonly Framing[];
  /** Why the row cannot run on this machine, or null. Called once per run. */
  unavailable(): string | null;
  /** The input this row runs for a workload (possibly smaller), with a note; or why it is skipped. */
  adapt?(workload: Workload, options: RunOptions): { spec: WorkloadSpec; note?: string } | { skip: string };
  command(job: Job): { file: string; args: string[] };
}

export type Row = NodeRow | ExternalRow;

export function isExternal(row: Row): row is ExternalRow {
  return "command" in row;
}

export function supports(row: Row, framing: Framing): boolean {
  return isExternal(row) ? row.supports.includes(framing) : row.framers[framing] !== undefined;
}

/** What a child process prints (as one JSON line) after measuring a job. */
export interface ChildResult {
  /** Process CPU seconds (user + system, all threads) per pass of each timed run (run time divided by `reps`). */
  seconds: number[];
  /** Wall-clock seconds per pass of each timed run. */
  wallSeconds: number[];
  /** Passes over the input per timed run. */
  reps: number;
  /** The counter of a pass (every pass is checked against the expected one). */
  counter: Counter;
  /** Bytes of input per pass. */
  inputBytes: number;
  /** Set when the warm-up was slow enough to be the only measurement. */
  single?: boolean;
}

/** Throws unless `got` is what the workload must frame into. */
export function checkCounter(got: Counter, expected: Counter, what: string): void {
  if (got.frames !== expected.frames || got.bytes !== expected.bytes) {
    throw new Error(
      `${what}: framed ${got.frames} frames / ${got.bytes} content bytes, expected ${expected.frames} / ${expected.bytes}`,
    );
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
