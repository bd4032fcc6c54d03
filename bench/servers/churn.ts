/**
 * Connection churn: `redis-benchmark -t ping_mbulk -k 0` (a new connection
 * for every request) against the RESP example, a bare `node:net` PONG
 * server (the floor of what Node costs per connection) and redis-server,
 * servers pinned to core 0 and the load to core 1, runs alternated. The
 * target is the RESP example at 0.95× the bare Node server or better.
 */

import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, startServer } from "./processes";
import { parseRedisBenchmarkCsv } from "./resp";

/** Runs the churn row: `runs` alternating runs per server of `requests` connections each. */
export async function churnRow(runs: number, requests: number): Promise<Array<ServerResult | SkippedRow>> {
  if (!ensureCommand("redis-benchmark", ["redis-tools"]) || !ensureCommand("redis-server", ["redis-server"])) {
    return [{ server: "resp churn", skipped: "redis-benchmark or redis-server is missing (Debian packages redis-tools, redis-server) and could not be installed" }];
  }
  const ours = await startServer(onCore(0, ["node", "examples/dist/start.js", "--only", "resp", "--port", String(await freePort())]), /listening resp \S+:(\d+)/, 0);
  const bare = await startServer(onCore(0, ["node", "bench/dist/servers/bare-pong.js", String(await freePort())]), /listening bare-pong \S+:(\d+)/, 0);
  const redisPort = await freePort();
  const redis = await startServer(
    onCore(0, ["redis-server", "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]),
    /Ready to accept connections/,
    redisPort,
  );
  const figures = { ours: [] as number[], bare: [] as number[], redis: [] as number[] };
  let oursPeakRss: number | null = null;
  let barePeakRss: number | null = null;
  let redisPeakRss: number | null = null;
  const churn = async (port: number): Promise<number> => {
    const output = await run(
      onCore(1, ["redis-benchmark", "-h", "127.0.0.1", "-p", String(port), "-t", "ping_mbulk", "-n", String(requests), "-c", "50", "-k", "0", "--csv"]),
    );
    return parseRedisBenchmarkCsv(output).get("PING_MBULK") ?? NaN;
  };
  try {
    for (let r = 0; r < runs; r++) {
      // Alternated, so that a burst of outside load weighs on every server alike.
      figures.ours.push(await churn(ours.port));
      figures.bare.push(await churn(bare.port));
      figures.redis.push(await churn(redis.port));
    }
    [oursPeakRss, barePeakRss, redisPeakRss] = [ours.peakRss(), bare.peakRss(), redis.peakRss()];
  } finally {
    await Promise.all([ours.stop(), bare.stop(), redis.stop()]);
  }
  const o = median(figures.ours);
  const b = median(figures.bare);
  const p = median(figures.redis);
  const row = (peerName: string, peer: number, peerRuns: number[], peerPeakRss: number | null, target?: number): ServerResult => ({
    server: "resp churn",
    test: `PING_MBULK -k 0 -c 50, a connection per request`,
    unit: "requests/s",
    ours: o,
    peer,
    peerName,
    ratio: o / peer,
    ...(target === undefined ? {} : { target }),
    oursPeakRss,
    peerPeakRss,
    runs: { ours: figures.ours, peer: peerRuns },
  });
  return [row("bare node:net", b, figures.bare, barePeakRss, 0.95), row("redis-server", p, figures.redis, redisPeakRss)];
}
