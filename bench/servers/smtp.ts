/**
 * SMTP rows, against the SMTP example and npm `smtp-server` (reverse DNS
 * off). The example and one smtp-server write each message to a Maildir on
 * a RAM disk without fsync, so the disk does not decide; a second
 * smtp-server discards messages, for reference.
 *
 * - postfix's `smtp-source` sending 1 KiB messages over 20 sessions, with
 *   and without connection reuse (it does not pipeline: four round trips a
 *   message);
 * - the SMTP client's load generator (examples/smtp-client/load.ts), which
 *   pipelines: the same messages over 20 reused sessions, and a session per
 *   message. For these, each server's CPU time per message is measured too
 *   (from /proc/<pid>/stat before and after each run).
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ServerResult, SkippedRow } from "./result";
import { type ServerProcess, ensureCommand, freePort, median, onCore, run, startServer } from "./processes";

function smtpSource(): string {
  return ["/usr/sbin/smtp-source", "/usr/bin/smtp-source"].find((p) => existsSync(p)) ?? "smtp-source";
}

async function send(port: number, messages: number, reuse: boolean): Promise<number> {
  const argv = [smtpSource(), "-s", "20", "-l", "1024", "-m", String(messages), "-f", "bench@example.test", "-t", "sink@example.test", "-M", "localhost"];
  if (reuse) argv.push("-d");
  argv.push(`127.0.0.1:${port}`);
  const started = process.hrtime.bigint();
  await run(onCore(1, argv));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return messages / seconds;
}

/** One load-generator run against a server: throughput, and per message the server's and the generator's CPU time. */
interface LoadRun {
  perSecond: number;
  /** The server's CPU milliseconds per message (/proc/<pid>/stat before and after). */
  cpuMsPerMessage: number;
  /** Fractions of a core each side was busy over the run: whichever is near 1 set the pace. */
  serverBusy: number;
  generatorBusy: number;
}

/** One load-generator run against `server` on core 1. */
async function load(server: ServerProcess, messages: number, perMessage: boolean): Promise<LoadRun> {
  const argv = ["node", "examples/dist/smtp-client/load.js", "--port", String(server.port), "--sessions", "20", "--messages", String(messages), "--size", "1024"];
  if (perMessage) argv.push("--per-message");
  const cpuBefore = server.cpuSeconds();
  const output = await run(onCore(1, argv));
  const cpuAfter = server.cpuSeconds();
  if (cpuBefore === null || cpuAfter === null) throw new Error(`cannot read the CPU time of the server on port ${server.port} (/proc/<pid>/stat)`);
  const result = JSON.parse(output.trim().split("\n").pop()!) as { perSecond: number; failures: number; messages: number; seconds: number; cpuSeconds: number };
  if (result.failures > 0) throw new Error(`the load generator saw ${result.failures} failures against port ${server.port}`);
  return {
    perSecond: result.perSecond,
    cpuMsPerMessage: ((cpuAfter - cpuBefore) * 1000) / result.messages,
    serverBusy: (cpuAfter - cpuBefore) / result.seconds,
    generatorBusy: result.cpuSeconds / result.seconds,
  };
}

function busy(runs: LoadRun[]): string {
  return `server ${median(runs.map((r) => r.serverBusy)).toFixed(2)}, generator ${median(runs.map((r) => r.generatorBusy)).toFixed(2)}`;
}

/** The load-generator rows: throughput and server CPU per message, pipelined over reused sessions and a session per message. */
async function clientRows(ours: ServerProcess, peer: ServerProcess, runs: number, messages: number): Promise<ServerResult[]> {
  const results: ServerResult[] = [];
  for (const perMessage of [false, true]) {
    // A session per message against smtp-server waits its 100 ms before each greeting: fewer messages keep the run short.
    const count = perMessage ? Math.max(200, Math.floor(messages / 5)) : messages;
    const oursRuns: LoadRun[] = [];
    const peerRuns: LoadRun[] = [];
    for (let r = 0; r < runs; r++) {
      oursRuns.push(await load(ours, count, perMessage));
      peerRuns.push(await load(peer, count, perMessage));
    }
    const what = `1 KiB messages, 20 sessions, the SMTP client ${perMessage ? "with a session per message" : "pipelining over reused sessions"}`;
    const throughput = { ours: oursRuns.map((r) => r.perSecond), peer: peerRuns.map((r) => r.perSecond) };
    const cpu = { ours: oursRuns.map((r) => r.cpuMsPerMessage), peer: peerRuns.map((r) => r.cpuMsPerMessage) };
    results.push({
      server: "smtp",
      test: what,
      unit: "messages/s",
      ours: median(throughput.ours),
      peer: median(throughput.peer),
      peerName: "smtp-server, Maildir",
      ratio: median(throughput.ours) / median(throughput.peer),
      target: perMessage ? undefined : 1.5,
      oursPeakRss: ours.peakRss(),
      peerPeakRss: peer.peakRss(),
      runs: throughput,
      note: `fraction of a core busy against the example: ${busy(oursRuns)}; against smtp-server: ${busy(peerRuns)}`,
    });
    results.push({
      server: "smtp",
      test: `${what}: server CPU per message (ratio: smtp-server's / ours)`,
      unit: "ms",
      ours: median(cpu.ours),
      peer: median(cpu.peer),
      peerName: "smtp-server, Maildir",
      ratio: median(cpu.peer) / median(cpu.ours),
      target: perMessage ? undefined : 1.5,
      oursPeakRss: ours.peakRss(),
      peerPeakRss: peer.peakRss(),
      runs: cpu,
    });
  }
  return results;
}

/** Runs the SMTP row: `runs` alternating runs of `messages` messages, reused and fresh sessions. */
export async function smtpRow(runs: number, messages: number): Promise<Array<ServerResult | SkippedRow>> {
  if (!existsSync(smtpSource()) && !ensureCommand("smtp-source", ["postfix"])) {
    return [{ server: "smtp", skipped: "smtp-source is missing (Debian package postfix) and could not be installed" }];
  }
  const ramDisk = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const oursDir = mkdtempSync(path.join(ramDisk, "asynchat-bench-smtp-"));
  const peerDir = mkdtempSync(path.join(ramDisk, "asynchat-bench-smtp-server-"));
  const ours = await startServer(
    onCore(0, ["node", "examples/dist/start.js", "--only", "smtp", "--port", String(await freePort()), "--maildir", oursDir, "--fsync", "off"]),
    /listening smtp \S+:(\d+)/,
    0,
  );
  const peer = await startServer(onCore(0, ["node", "bench/dist/servers/smtp-server-peer.js", String(await freePort()), peerDir]), /listening smtp-server \S+:(\d+)/, 0);
  const discarding = await startServer(onCore(0, ["node", "bench/dist/servers/smtp-server-peer.js", String(await freePort()), "discard"]), /listening smtp-server \S+:(\d+)/, 0);
  const results: ServerResult[] = [];
  try {
    for (const reuse of [true, false]) {
      const oursRuns: number[] = [];
      const peerRuns: number[] = [];
      const discardRuns: number[] = [];
      for (let r = 0; r < runs; r++) {
        oursRuns.push(await send(ours.port, messages, reuse));
        peerRuns.push(await send(peer.port, messages, reuse));
        discardRuns.push(await send(discarding.port, messages, reuse));
      }
      const o = median(oursRuns);
      for (const [peerName, peerRunsOf, server] of [
        ["smtp-server, Maildir", peerRuns, peer],
        ["smtp-server, discarding", discardRuns, discarding],
      ] as const) {
        const p = median(peerRunsOf);
        results.push({
          server: "smtp",
          test: `1 KiB messages, 20 sessions, ${reuse ? "reused sessions (-d)" : "a session per message"}`,
          unit: "messages/s",
          ours: o,
          peer: p,
          peerName,
          ratio: o / p,
          target: 1.5,
          oursPeakRss: ours.peakRss(),
          peerPeakRss: server.peakRss(),
          runs: { ours: oursRuns, peer: peerRunsOf },
        });
      }
    }
    results.push(...(await clientRows(ours, peer, runs, messages)));
  } finally {
    await Promise.all([ours.stop(), peer.stop(), discarding.stop()]);
    rmSync(oursDir, { recursive: true, force: true });
    rmSync(peerDir, { recursive: true, force: true });
  }
  return results;
}
