/**
 * HTTP row: a keep-alive load generator (`wrk -t1 -c50`, or `autocannon
 * -c 50` when wrk is missing) against the HTTP example's `GET /`, a
 * `node:http` hello-world server answering the same bytes, and a bare
 * `node:net` server that answers each request head with those bytes without
 * parsing anything (the ceiling: what Node itself costs per request). The
 * three alternate round by round (five rounds by default), each server
 * pinned to core 0 and the load to core 1. Rows: requests/s (the target,
 * 1.5× node:http, on the medians); requests per CPU-second of the server
 * process (from /proc/<pid>/stat around each run), which a busy machine
 * disturbs much less; and the bare server's figure as the ceiling. The
 * first row also says what share of the time the load generator and each
 * server were runnable (running, or waiting for their core): the one
 * runnable nearly all the time sets requests/s; a server runnable a small
 * share of it was waiting for requests, and differs from the other only in
 * the CPU it spends on each.
 */

import * as path from "node:path";
import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, type ServerProcess, startServer } from "./processes";
import { type SchedSample, type SchedShares, schedSample, schedShares } from "./schedstat";

/** The throughput target against node:http (issue 16). */
const TARGET = 1.5;

/** One load run: requests/s, the requests it completed, and who was runnable during its middle part. */
export interface LoadRun {
  perSecond: number;
  requests: number;
  /** The load generator's shares of the wall time (null without /proc). */
  loadShares: SchedShares | null;
  /** The server's shares (null without /proc, or no server pid given). */
  serverShares: SchedShares | null;
}

/**
 * Samples the load generator and the server half a second after the load
 * starts and half a second before it ends (start-up and the last
 * responses left out).
 */
class Watch {
  #first: [SchedSample | null, SchedSample | null] = [null, null];
  #last: [SchedSample | null, SchedSample | null] = [null, null];
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly seconds: number,
    private readonly serverPid: number | null,
  ) {}

  started(loadPid: number): void {
    const sample = (): [SchedSample | null, SchedSample | null] => [schedSample(loadPid), this.serverPid === null ? null : schedSample(this.serverPid)];
    if (this.seconds < 2) return;
    this.#timers.push(setTimeout(() => (this.#first = sample()), 500));
    this.#timers.push(setTimeout(() => (this.#last = sample()), this.seconds * 1000 - 500));
  }

  shares(): { loadShares: SchedShares | null; serverShares: SchedShares | null } {
    for (const timer of this.#timers) clearTimeout(timer);
    return { loadShares: schedShares(this.#first[0], this.#last[0]), serverShares: schedShares(this.#first[1], this.#last[1]) };
  }
}

/** One keep-alive load run of `GET /` on `port` over `seconds`, the load generator on core 1. */
export async function load(port: number, seconds: number, useWrk: boolean, serverPid: number | null = null): Promise<LoadRun> {
  const url = `http://127.0.0.1:${port}/`;
  const watch = new Watch(seconds, serverPid);
  const started = (pid: number): void => watch.started(pid);
  if (useWrk) {
    const output = await run(onCore(1, ["wrk", "-t1", "-c50", `-d${seconds}s`, url]), undefined, started);
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
    const count = /(\d+) requests in/.exec(output);
    if (rate === null || count === null) throw new Error(`unexpected wrk output:\n${output}`);
    if (/Non-2xx or 3xx responses|Socket errors/.test(output)) throw new Error(`wrk saw errors:\n${output}`);
    return { perSecond: Number(rate[1]), requests: Number(count[1]), ...watch.shares() };
  }
  const autocannon = path.join("node_modules", ".bin", "autocannon");
  const output = await run(onCore(1, [autocannon, "-c", "50", "-d", String(seconds), "--json", url]), undefined, started);
  const report = JSON.parse(output) as { requests: { average: number; total: number }; non2xx: number; errors: number };
  if (report.non2xx > 0 || report.errors > 0) throw new Error(`autocannon saw ${report.non2xx} error responses and ${report.errors} errors`);
  return { perSecond: report.requests.average, requests: report.requests.total, ...watch.shares() };
}

/** One measured run against a server. */
interface Measured {
  perSecond: number;
  /** Requests per CPU-second of the server process, or null without /proc. */
  perCpuSecond: number | null;
  loadShares: SchedShares | null;
  serverShares: SchedShares | null;
}

/** One run against `server`: requests/s, requests per server CPU-second, and who was runnable. */
async function measure(server: ServerProcess, seconds: number, useWrk: boolean): Promise<Measured> {
  const before = server.cpuSeconds();
  const { perSecond, requests, loadShares, serverShares } = await load(server.port, seconds, useWrk, server.child.pid ?? null);
  const after = server.cpuSeconds();
  const cpu = before === null || after === null ? null : after - before;
  return { perSecond, perCpuSecond: cpu === null || cpu <= 0 ? null : requests / cpu, loadShares, serverShares };
}

function medianOrNull(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === values.length && known.length > 0 ? median(known) : null;
}

/** "95 % (running 14 %)": the median shares of the wall time a process was runnable and running, or "?" without /proc. */
function shares(values: Array<SchedShares | null>): string {
  const runnable = medianOrNull(values.map((x) => x?.runnable ?? null));
  const running = medianOrNull(values.map((x) => x?.running ?? null));
  return runnable === null || running === null ? "?" : `${(runnable * 100).toFixed(0)} % (running ${(running * 100).toFixed(0)} %)`;
}

/**
 * Runs the HTTP rows: `rounds` rounds, each one run of `seconds` against
 * our server, then node:http, then the bare node:net ceiling; then
 * `rounds` rounds with the three loaded at the same time, for the ratio of
 * their CPU per request under the same conditions.
 */
export async function httpRow(rounds: number, seconds: number): Promise<Array<ServerResult | SkippedRow>> {
  const useWrk = ensureCommand("wrk", ["wrk"]);
  const tool = useWrk ? "wrk -t1 -c50" : "autocannon -c 50";
  const ours = await startServer(onCore(0, ["node", "examples/dist/start.js", "--only", "http", "--port", String(await freePort())]), /listening http \S+:(\d+)/, 0);
  const peer = await startServer(onCore(0, ["node", "bench/dist/servers/node-http-hello.js", String(await freePort())]), /listening node-http \S+:(\d+)/, 0);
  const bare = await startServer(onCore(0, ["node", "bench/dist/servers/bare-http.js", String(await freePort())]), /listening bare-http \S+:(\d+)/, 0);
  const servers = [ours, peer, bare];
  try {
    // One short warm-up each, so that no server's first round includes its JIT warm-up.
    for (const server of servers) await load(server.port, 1, useWrk);
    const runs: Measured[][] = [[], [], []];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < servers.length; i++) runs[i]!.push(await measure(servers[i]!, seconds, useWrk));
    }
    const [oursRuns, peerRuns, bareRuns] = runs as [Measured[], Measured[], Measured[]];
    const o = median(oursRuns.map((x) => x.perSecond));
    const p = median(peerRuns.map((x) => x.perSecond));
    // Runnable = running or waiting for its core: the process runnable nearly all the time sets the pace.
    const loadNote =
      `runnable: ${useWrk ? "wrk" : "autocannon"} ${shares(oursRuns.map((x) => x.loadShares))} against ours, ${shares(peerRuns.map((x) => x.loadShares))} against node:http; ` +
      `ours ${shares(oursRuns.map((x) => x.serverShares))}, node:http ${shares(peerRuns.map((x) => x.serverShares))}`;
    const rows: ServerResult[] = [
      {
        server: "http",
        test: `GET / keep-alive (${tool}, ${seconds} s, ${rounds} rounds; ${loadNote})`,
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
    const bCpu = medianOrNull(bareRuns.map((x) => x.perCpuSecond));
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
    if (bCpu !== null && pCpu !== null) {
      rows.push({
        server: "http",
        test: `ceiling: a bare node:net server answering each head with the same bytes, no parsing (${figure(median(bareRuns.map((x) => x.perSecond)))} requests/s)`,
        unit: "requests/CPU-s",
        ours: bCpu,
        peer: pCpu,
        peerName: "node:http",
        ratio: bCpu / pCpu,
        oursPeakRss: bare.peakRss(),
        peerPeakRss: peer.peakRss(),
        runs: { ours: bareRuns.map((x) => x.perCpuSecond!), peer: peerRuns.map((x) => x.perCpuSecond!) },
      });
    }
    // Side by side: the three servers loaded at the same time, each by its own load generator, so that the
    // machine's ups and downs fall on all of them alike; per round, node:http's CPU per request over each one's.
    const together: [number[], number[]] = [[], []];
    for (let r = 0; r < rounds; r++) {
      const before = servers.map((server) => server.cpuSeconds());
      const done = await Promise.all(servers.map((server) => load(server.port, seconds, useWrk)));
      const perRequest = servers.map((server, i) => {
        const [b, a] = [before[i], server.cpuSeconds()];
        return b === null || a === null || a <= b ? null : (a - b) / done[i]!.requests;
      });
      const [oc, pc, bc] = perRequest;
      if (oc != null && pc != null && bc != null) {
        together[0].push(pc / oc);
        together[1].push(pc / bc);
      }
    }
    if (together[0].length > 0) {
      for (const [name, values] of [
        ["ours", together[0]],
        ["the bare ceiling", together[1]],
      ] as const) {
        const ratio = median(values);
        rows.push({
          server: "http",
          test: `CPU per request with the three servers loaded at once, node:http's over ${name}, per round (${values.map((x) => x.toFixed(2)).join(", ")})`,
          unit: "ratio",
          ours: ratio,
          peer: 1,
          peerName: "node:http",
          ratio,
          oursPeakRss: name === "ours" ? ours.peakRss() : bare.peakRss(),
          peerPeakRss: peer.peakRss(),
          runs: { ours: values, peer: values.map(() => 1) },
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

function figure(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} k` : value.toFixed(0);
}
