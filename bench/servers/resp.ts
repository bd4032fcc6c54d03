/**
 * RESP row: `redis-benchmark` against the RESP example and against a real
 * `redis-server`, started here on other ports, at -P 1 and -P 16.
 */

import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, startServer } from "./processes";

const TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET"];

/** Parses `redis-benchmark --csv` output into requests/s per test. */
export function parseRedisBenchmarkCsv(output: string): Map<string, number> {
  const figures = new Map<string, number>();
  for (const line of output.split(/\r?\n/)) {
    const cells = line.split(",").map((cell) => cell.replace(/^"|"$/g, ""));
    if (cells.length < 2 || cells[0] === "test") continue;
    const rps = Number(cells[1]);
    if (Number.isFinite(rps)) figures.set(cells[0]!, rps);
  }
  return figures;
}

function benchmark(port: number, pipeline: number, requests: number): Promise<string> {
  return run(
    onCore(1, [
      "redis-benchmark", "-h", "127.0.0.1", "-p", String(port),
      "-t", "ping_inline,ping_mbulk,set,get", "-n", String(requests), "-c", "50", "-P", String(pipeline), "--csv",
    ]),
  );
}

/** Runs the RESP row: `runs` alternating runs per server and pipeline depth. */
export async function respRow(runs: number, requests: number): Promise<Array<ServerResult | SkippedRow>> {
  if (!ensureCommand("redis-benchmark", ["redis-tools"]) || !ensureCommand("redis-server", ["redis-server"])) {
    return [{ server: "resp", skipped: "redis-benchmark or redis-server is missing (Debian packages redis-tools, redis-server) and could not be installed" }];
  }
  const ours = await startServer(onCore(0, ["node", "examples/dist/start.js", "--only", "resp", "--port", String(await freePort())]), /listening resp \S+:(\d+)/, 0);
  const peerPort = await freePort();
  const peer = await startServer(
    onCore(0, ["redis-server", "--port", String(peerPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]),
    /Ready to accept connections/,
    peerPort,
  );
  const results: ServerResult[] = [];
  try {
    for (const pipeline of [1, 16]) {
      const oursRuns = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      const peerRuns = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      for (let r = 0; r < runs; r++) {
        // Alternate, so that drift in the machine's load affects both alike.
        for (const [server, into] of [[ours, oursRuns], [peer, peerRuns]] as const) {
          const figures = parseRedisBenchmarkCsv(await benchmark(server.port, pipeline, requests));
          for (const test of TESTS) into.get(test)!.push(figures.get(test) ?? NaN);
        }
      }
      for (const test of TESTS) {
        const o = median(oursRuns.get(test)!);
        const p = median(peerRuns.get(test)!);
        results.push({
          server: "resp",
          test: `${test} -P ${pipeline}`,
          unit: "requests/s",
          ours: o,
          peer: p,
          peerName: "redis-server",
          ratio: o / p,
          target: pipeline === 16 ? 0.6 : 0.9,
          oursPeakRss: null,
          peerPeakRss: null,
          runs: { ours: oursRuns.get(test)!, peer: peerRuns.get(test)! },
        });
      }
    }
    const oursRss = ours.peakRss();
    const peerRss = peer.peakRss();
    for (const result of results) {
      result.oursPeakRss = oursRss;
      result.peerPeakRss = peerRss;
    }
  } finally {
    await Promise.all([ours.stop(), peer.stop()]);
  }
  return results;
}
