/**
 * The HTTP example at `--workers 2` against `--workers 1`, in the same run:
 * both servers may use cores 0 and 1, the load generator is pinned to
 * core 1. On a two-core machine the second worker has no idle core: it
 * shares core 1 with the load generator, so the row shows what a second
 * process buys (or costs) when the cores are already busy.
 */

import { ensureCommand, freePort, median, pinned, startServer } from "./processes";
import { load } from "./http";
import type { ServerResult, SkippedRow } from "./result";

/** Runs the row: `runs` alternating runs of `seconds` each. */
export async function httpWorkersRow(runs: number, seconds: number): Promise<Array<ServerResult | SkippedRow>> {
  const useWrk = ensureCommand("wrk", ["wrk"]);
  const tool = useWrk ? "wrk -t1 -c50" : "autocannon -c 50";
  const start = async (workers: number, argv: string[]) =>
    startServer(argv.concat(["node", "examples/dist/start.js", "--only", "http", "--port", String(await freePort()), "--workers", String(workers)]), /listening http \S+:(\d+)/, 0);
  const cores = pinned ? ["taskset", "-c", "0,1"] : [];
  const two = await start(2, cores);
  const one = await start(1, cores);
  try {
    const twoRuns: number[] = [];
    const oneRuns: number[] = [];
    for (let r = 0; r < runs; r++) {
      twoRuns.push((await load(two.port, seconds, useWrk)).perSecond);
      oneRuns.push((await load(one.port, seconds, useWrk)).perSecond);
    }
    const o = median(twoRuns);
    const p = median(oneRuns);
    return [
      {
        server: "http-workers",
        test: `GET / keep-alive (${tool}, ${seconds} s), --workers 2 on cores 0-1`,
        unit: "requests/s",
        ours: o,
        peer: p,
        peerName: "--workers 1",
        ratio: o / p,
        oursPeakRss: two.peakRss(),
        peerPeakRss: one.peakRss(),
        runs: { ours: twoRuns, peer: oneRuns },
      },
    ];
  } finally {
    await Promise.all([two.stop(), one.stop()]);
  }
}
