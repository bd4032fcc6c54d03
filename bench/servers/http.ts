/**
 * HTTP row: a keep-alive load generator (`wrk -t1 -c50`, or `autocannon
 * -c 50` when wrk is missing) against the HTTP example's `GET /` and a
 * `node:http` hello-world server.
 */

import * as path from "node:path";
import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, startServer } from "./processes";

/** Requests per second of `GET /` on `port` over `seconds`, the load generator on core 1. */
export async function load(port: number, seconds: number, useWrk: boolean): Promise<number> {
  const url = `http://127.0.0.1:${port}/`;
  if (useWrk) {
    const output = await run(onCore(1, ["wrk", "-t1", "-c50", `-d${seconds}s`, url]));
    const match = /Requests\/sec:\s+([\d.]+)/.exec(output);
    if (match === null) throw new Error(`unexpected wrk output:\n${output}`);
    if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`wrk saw error responses:\n${output}`);
    return Number(match[1]);
  }
  const autocannon = path.join("node_modules", ".bin", "autocannon");
  const output = await run(onCore(1, [autocannon, "-c", "50", "-d", String(seconds), "--json", url]));
  const report = JSON.parse(output) as { requests: { average: number }; non2xx: number };
  if (report.non2xx > 0) throw new Error(`autocannon saw ${report.non2xx} error responses`);
  return report.requests.average;
}

/** Runs the HTTP row: `runs` alternating runs of `seconds` each. */
export async function httpRow(runs: number, seconds: number): Promise<Array<ServerResult | SkippedRow>> {
  const useWrk = ensureCommand("wrk", ["wrk"]);
  const tool = useWrk ? "wrk -t1 -c50" : "autocannon -c 50";
  const ours = await startServer(onCore(0, ["node", "examples/dist/start.js", "--only", "http", "--port", String(await freePort())]), /listening http \S+:(\d+)/, 0);
  const peer = await startServer(onCore(0, ["node", "bench/dist/servers/node-http-hello.js", String(await freePort())]), /listening node-http \S+:(\d+)/, 0);
  try {
    const oursRuns: number[] = [];
    const peerRuns: number[] = [];
    for (let r = 0; r < runs; r++) {
      oursRuns.push(await load(ours.port, seconds, useWrk));
      peerRuns.push(await load(peer.port, seconds, useWrk));
    }
    const o = median(oursRuns);
    const p = median(peerRuns);
    return [
      {
        server: "http",
        test: `GET / keep-alive (${tool}, ${seconds} s)`,
        unit: "requests/s",
        ours: o,
        peer: p,
        peerName: "node:http",
        ratio: o / p,
        target: 1.3,
        oursPeakRss: ours.peakRss(),
        peerPeakRss: peer.peakRss(),
        runs: { ours: oursRuns, peer: peerRuns },
      },
    ];
  } finally {
    await Promise.all([ours.stop(), peer.stop()]);
  }
}
