/**
 * RESP with the PROXY protocol on and off, in the same run: two RESP
 * example servers (one with `--proxy-protocol`), each behind its own HAProxy
 * (`send-proxy` for the first), `redis-benchmark` through them. `-k 0`
 * makes every request a new connection, so the row is the header's cost per
 * connection; `-P 16` its cost (none expected) on busy connections.
 */

import { ensureCommand, freePort, median, onCore, run, startServer } from "./processes";
import { startHaproxyFront } from "./haproxy-front";
import { parseRedisBenchmarkCsv } from "./resp";
import type { ServerResult, SkippedRow } from "./result";

const TESTS = ["PING_INLINE", "GET"];

function benchmark(port: number, args: string[], requests: number): Promise<string> {
  return run(onCore(1, ["redis-benchmark", "-h", "127.0.0.1", "-p", String(port), "-t", "ping_inline,get", "-n", String(requests), "-c", "50", ...args, "--csv"]));
}

/** Runs the row: `runs` alternating runs per configuration and load. */
export async function respProxyRow(runs: number, requests: number): Promise<Array<ServerResult | SkippedRow>> {
  if (!ensureCommand("redis-benchmark", ["redis-tools"]) || !ensureCommand("haproxy", ["haproxy"])) {
    return [{ server: "resp-proxy", skipped: "redis-benchmark or haproxy is missing (Debian packages redis-tools, haproxy) and could not be installed" }];
  }
  const server = (proxy: boolean) =>
    startServer(
      onCore(0, ["node", "examples/dist/start.js", "--only", "resp", "--port", "0", ...(proxy ? ["--proxy-protocol"] : [])]),
      /listening resp \S+:(\d+)/,
      0,
    );
  const [on, off] = [await server(true), await server(false)];
  const [frontOn, frontOff] = [await startHaproxyFront(await freePort(), on.port, true), await startHaproxyFront(await freePort(), off.port, false)];
  const results: ServerResult[] = [];
  try {
    for (const [label, args, n] of [
      ["-k 0 (a connection per request)", ["-k", "0"], Math.max(2000, requests / 40)],
      ["-P 16", ["-P", "16"], requests],
    ] as const) {
      const onRuns = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      const offRuns = new Map<string, number[]>(TESTS.map((t) => [t, []]));
      for (let r = 0; r < runs; r++) {
        // Alternate, and swap which goes first each run, so that drift in the machine's load affects both alike.
        const pair = [[frontOn, onRuns], [frontOff, offRuns]] as const;
        for (const [front, into] of r % 2 === 0 ? pair : [pair[1], pair[0]]) {
          const figures = parseRedisBenchmarkCsv(await benchmark(front.port, [...args], n));
          for (const test of TESTS) into.get(test)!.push(figures.get(test) ?? NaN);
        }
      }
      for (const test of TESTS) {
        const o = median(onRuns.get(test)!);
        const p = median(offRuns.get(test)!);
        // The run's noise: how far the slowest run without the header fell below its median.
        const noise = Math.min(...offRuns.get(test)!) / p;
        results.push({
          server: "resp-proxy",
          test: `${test} ${label}, through HAProxy`,
          unit: "requests/s",
          ours: o,
          peer: p,
          peerName: "PROXY off",
          ratio: o / p,
          target: Number(noise.toFixed(2)),
          oursPeakRss: on.peakRss(),
          peerPeakRss: off.peakRss(),
          runs: { ours: onRuns.get(test)!, peer: offRuns.get(test)! },
        });
      }
    }
  } finally {
    await Promise.all([frontOn.stop(), frontOff.stop(), on.stop(), off.stop()]);
  }
  return results;
}
