/**
 * HTTP row: a keep-alive load generator (`wrk -t1 -c50`, or `autocannon
 * -c 50` when wrk is missing) against the HTTP example's `GET /` and a
 * `node:http` hello-world server answering the same bytes, the two
 * alternated round by round (five rounds by default), each server pinned to
 * core 0 and the load to core 1. Two rows: requests/s (the target, 1.5×
 * node:http, on the medians), and requests per CPU-second of the server
 * process (from /proc/<pid>/stat around each run), which a busy machine
 * disturbs much less: neither server is saturated by one wrk thread, so
 * requests/s is set as much by the load generator as by the server.
 */

import * as path from "node:path";
import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, type ServerProcess, startServer } from "./processes";

/** The throughput target against node:http (issue 16). */
const TARGET = 1.5;

/** One load run: requests/s, and the requests it completed. */
export interface LoadRun {
  perSecond: number;
  requests: number;
}

/** One keep-alive load run of `GET /` on `port` over `seconds`, the load generator on core 1. */
export async function load(port: number, seconds: number, useWrk: boolean): Promise<LoadRun> {
  const url = `http://127.0.0.1:${port}/`;
  if (useWrk) {
    const output = await run(onCore(1, ["wrk", "-t1", "-c50", `-d${seconds}s`, url]));
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
    const count = /(\d+) requests in/.exec(output);
    if (rate === null || count === null) throw new Error(`unexpected wrk output:\n${output}`);
    if (/Non-2xx or 3xx responses|Socket errors/.test(output)) throw new Error(`wrk saw errors:\n${output}`);
    return { perSecond: Number(rate[1]), requests: Number(count[1]) };
  }
  const autocannon = path.join("node_modules", ".bin", "autocannon");
  const output = await run(onCore(1, [autocannon, "-c", "50", "-d", String(seconds), "--json", url]));
  const report = JSON.parse(output) as { requests: { average: number; total: number }; non2xx: number; errors: number };
  if (report.non2xx > 0 || report.errors > 0) throw new Error(`autocannon saw ${report.non2xx} error responses and ${report.errors} errors`);
  return { perSecond: report.requests.average, requests: report.requests.total };
}

/** One run against `server`: requests/s, and requests per CPU-second the server used during it (null without /proc). */
async function measure(server: ServerProcess, seconds: number, useWrk: boolean): Promise<{ perSecond: number; perCpuSecond: number | null }> {
  const before = server.cpuSeconds();
  const { perSecond, requests } = await load(server.port, seconds, useWrk);
  const after = server.cpuSeconds();
  const cpu = before === null || after === null ? null : after - before;
  return { perSecond, perCpuSecond: cpu === null || cpu <= 0 ? null : requests / cpu };
}

function medianOrNull(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === values.length && known.length > 0 ? median(known) : null;
}

/** Runs the HTTP rows: `rounds` rounds, each one run of `seconds` against our server, then one against node:http. */
export async function httpRow(rounds: number, seconds: number): Promise<Array<ServerResult | SkippedRow>> {
  const useWrk = ensureCommand("wrk", ["wrk"]);
  const tool = useWrk ? "wrk -t1 -c50" : "autocannon -c 50";
  const ours = await startServer(onCore(0, ["node", "examples/dist/start.js", "--only", "http", "--port", String(await freePort())]), /listening http \S+:(\d+)/, 0);
  const peer = await startServer(onCore(0, ["node", "bench/dist/servers/node-http-hello.js", String(await freePort())]), /listening node-http \S+:(\d+)/, 0);
  try {
    // One short warm-up each, so that neither server's first round includes its JIT warm-up.
    await load(ours.port, 1, useWrk);
    await load(peer.port, 1, useWrk);
    const oursRuns: Array<{ perSecond: number; perCpuSecond: number | null }> = [];
    const peerRuns: Array<{ perSecond: number; perCpuSecond: number | null }> = [];
    for (let r = 0; r < rounds; r++) {
      oursRuns.push(await measure(ours, seconds, useWrk));
      peerRuns.push(await measure(peer, seconds, useWrk));
    }
    const o = median(oursRuns.map((x) => x.perSecond));
    const p = median(peerRuns.map((x) => x.perSecond));
    const rows: ServerResult[] = [
      {
        server: "http",
        test: `GET / keep-alive (${tool}, ${seconds} s, ${rounds} rounds)`,
        unit: "requests/s",
        ours: o,
        peer: p,
        peerName: "node:http",
        ratio: o / p,
        target: TARGET,
        oursPeakRss: ours.peakRss(),
        peerPeakRss: peer.peakRss(),
        runs: { ours: oursRuns.map((x) => x.perSecond), peer: peerRuns.map((x) => x.perSecond) },
      },
    ];
    const oCpu = medianOrNull(oursRuns.map((x) => x.perCpuSecond));
    const pCpu = medianOrNull(peerRuns.map((x) => x.perCpuSecond));
    if (oCpu !== null && pCpu !== null) {
      rows.push({
        server: "http",
        test: "the same, per CPU-second of the server process",
        unit: "requests/CPU-s",
        ours: oCpu,
        peer: pCpu,
        peerName: "node:http",
        ratio: oCpu / pCpu,
        oursPeakRss: ours.peakRss(),
        peerPeakRss: peer.peakRss(),
        runs: { ours: oursRuns.map((x) => x.perCpuSecond!), peer: peerRuns.map((x) => x.perCpuSecond!) },
      });
    }
    return rows;
  } finally {
    await Promise.all([ours.stop(), peer.stop()]);
  }
}
