/**
 * Connection churn: `redis-benchmark -t ping_mbulk -k 0` (a new connection
 * for every request) against the RESP example, a bare `node:net` PONG
 * server (the floor of what Node costs per connection) and redis-server,
 * servers pinned to core 0 and the load to core 1, runs alternated. The
 * target is the RESP example at 0.95× the bare Node server or better.
 * Besides requests/s, the CPU time each server process used per connection
 * (from /proc/<pid>/stat around each run), which a busy machine disturbs
 * much less: a row of connections per CPU-second, and the microseconds per
 * connection in its label. Last, both servers loaded at the same time, so
 * that the machine's ups and downs fall on both alike: the ratio of their CPU
 * per connection in each run, the steadiest of these figures.
 */

import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, type ServerProcess, startServer } from "./processes";
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
  /** Connections per CPU-second of each server process, per run (null without /proc). */
  const cpu = { ours: [] as Array<number | null>, bare: [] as Array<number | null>, redis: [] as Array<number | null> };
  /** Bare CPU over ours for the same number of connections, both servers loaded at the same time, per run. */
  const sideBySide: number[] = [];
  let oursPeakRss: number | null = null;
  let barePeakRss: number | null = null;
  let redisPeakRss: number | null = null;
  const churn = async (server: ServerProcess, perCpuSecond: Array<number | null>): Promise<number> => {
    const before = server.cpuSeconds();
    const output = await run(
      onCore(1, ["redis-benchmark", "-h", "127.0.0.1", "-p", String(server.port), "-t", "ping_mbulk", "-n", String(requests), "-c", "50", "-k", "0", "--csv"]),
    );
    const after = server.cpuSeconds();
    perCpuSecond.push(before === null || after === null || after <= before ? null : requests / (after - before));
    return parseRedisBenchmarkCsv(output).get("PING_MBULK") ?? NaN;
  };
  try {
    for (let r = 0; r < runs; r++) {
      // Alternated, so that a burst of outside load weighs on every server alike.
      figures.ours.push(await churn(ours, cpu.ours));
      figures.bare.push(await churn(bare, cpu.bare));
      figures.redis.push(await churn(redis, cpu.redis));
    }
    // Side by side: both servers loaded at once (each by its own redis-benchmark), so that whatever
    // the machine does to one run it does to both; the ratio of their CPU per connection, per run.
    for (let r = 0; r < runs; r++) {
      const before = [ours.cpuSeconds(), bare.cpuSeconds()];
      await Promise.all(
        [ours, bare].map((server) =>
          run(onCore(1, ["redis-benchmark", "-h", "127.0.0.1", "-p", String(server.port), "-t", "ping_mbulk", "-n", String(requests / 2), "-c", "25", "-k", "0", "--csv"])),
        ),
      );
      const [o, b] = [ours.cpuSeconds(), bare.cpuSeconds()];
      if (before[0] !== null && before[1] !== null && o !== null && b !== null && o > before[0] && b > before[1]) {
        sideBySide.push((b - before[1]) / (o - before[0]));
      }
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
  const rows: ServerResult[] = [row("bare node:net", b, figures.bare, barePeakRss, 0.95), row("redis-server", p, figures.redis, redisPeakRss)];
  const known = (values: Array<number | null>): number[] | null => (values.every((v) => v !== null) && values.length > 0 ? (values as number[]) : null);
  const oCpu = known(cpu.ours);
  const microseconds = (perSecond: number): string => (1e6 / perSecond).toFixed(0);
  for (const [peerName, peerCpu, peerPeakRss] of [
    ["bare node:net", known(cpu.bare), barePeakRss],
    ["redis-server", known(cpu.redis), redisPeakRss],
  ] as const) {
    if (oCpu === null || peerCpu === null) continue;
    const ourMedian = median(oCpu);
    const peerMedian = median(peerCpu);
    rows.push({
      server: "resp churn",
      test: `the same, per CPU-second of the server process (µs per connection: ours ${microseconds(ourMedian)}, ${peerName} ${microseconds(peerMedian)})`,
      unit: "connections/CPU-s",
      ours: ourMedian,
      peer: peerMedian,
      peerName,
      ratio: ourMedian / peerMedian,
      oursPeakRss,
      peerPeakRss,
      runs: { ours: oCpu, peer: peerCpu },
    });
  }
  if (sideBySide.length > 0) {
    const ratio = median(sideBySide);
    rows.push({
      server: "resp churn",
      test: `CPU per connection with both servers loaded at once (-c 25 each), bare's over ours, per run (${sideBySide.map((x) => x.toFixed(2)).join(", ")})`,
      unit: "ratio",
      ours: ratio,
      peer: 1,
      peerName: "bare node:net",
      ratio,
      oursPeakRss,
      peerPeakRss: barePeakRss,
      runs: { ours: sideBySide, peer: sideBySide.map(() => 1) },
    });
  }
  return rows;
}
