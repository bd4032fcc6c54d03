/**
 * Measures one row on one input, in a process of its own:
 * `node --expose-gc bench/dist/child.js <row module> '<job JSON>'`.
 *
 * Builds the input, runs one pass (which calibrates how many passes make a
 * run long enough to time), one untimed warm-up run, then the timed runs. Every pass is
 * checked against the expected frame count and content bytes: a row that
 * frames wrongly fails instead of looking fast. Prints one JSON line
 * ({@link ChildResult}) on stdout.
 */

import { type ChildResult, type Counter, type FrameFunction, type Job, type NodeRow, checkCounter } from "./harness";
import { chunk, scenarioOf } from "./workloads";

const collectGarbage: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** What the last pass framed with, kept alive until the next pass has run (when the job says so). */
let retained: unknown = null;

async function pass(frame: FrameFunction, chunks: readonly Buffer[], job: Job, what: string): Promise<Counter> {
  const counter: Counter = { frames: 0, bytes: 0 };
  let framed = frame(chunks, counter);
  if (framed instanceof Promise) framed = await framed;
  checkCounter(counter, job.expected, what);
  if (job.retain) retained = framed;
  return counter;
}

/** CPU and wall-clock seconds for `reps` passes. */
async function timed(frame: FrameFunction, chunks: readonly Buffer[], job: Job, reps: number, what: string) {
  let counter: Counter = { frames: 0, bytes: 0 };
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) counter = await pass(frame, chunks, job, what);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: (cpu.user + cpu.system) / 1e6, wall, counter };
}

async function main(): Promise<void> {
  const [modulePath, jobJson] = process.argv.slice(2);
  if (modulePath === undefined || jobJson === undefined) throw new Error("usage: child.js <row module> <job JSON>");
  const row = (require(modulePath) as { row: NodeRow }).row;
  const job = JSON.parse(jobJson) as Job;
  const scenario = scenarioOf(job.spec);
  const frame = row.framers[scenario.framing];
  if (frame === undefined) throw new Error(`${row.name} has no ${scenario.framing} framer`);

  const input = scenario.build(job.spec);
  const chunks = chunk(input, scenario.chunkSize(job.spec));
  // Once, so that building the input is not collected on the row's time. Not before every run: a forced
  // full collection leaves the next passes to sweep and regrow the heap, a cost no running server pays per pass.
  collectGarbage();
  const what = `${row.name} on ${job.spec.scenario}`;

  const warm = await timed(frame, chunks, job, 1, what);
  let result: ChildResult;
  if (warm.wall * 1000 >= job.slowMs) {
    result = { seconds: [warm.seconds], wallSeconds: [warm.wall], reps: 1, counter: warm.counter, inputBytes: input.length, single: true };
  } else {
    const reps = Math.max(1, Math.min(100, Math.ceil(job.minRunMs / (warm.wall * 1000))));
    // One untimed run of full length: a single short pass does not warm the JIT up.
    await timed(frame, chunks, job, reps, what);
    const seconds: number[] = [];
    const wallSeconds: number[] = [];
    let spent = 0;
    let counter = warm.counter;
    while (seconds.length < job.runs && (seconds.length === 0 || spent * 1000 < job.budgetMs)) {
      const run = await timed(frame, chunks, job, reps, what);
      spent += run.wall;
      seconds.push(run.seconds / reps);
      wallSeconds.push(run.wall / reps);
      counter = run.counter;
    }
    result = { seconds, wallSeconds, reps, counter, inputBytes: input.length };
  }
  if (retained !== null && retained !== undefined && typeof retained !== "object") throw new Error(`${row.name} returned ${typeof retained}`);
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
