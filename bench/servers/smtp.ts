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
 *   (from /proc/<pid>/stat before and after each run), with how busy the
 *   server and the generator were, which tells who set the pace. They run
 *   against the example twice: with `--file-io sync` (the file operations
 *   on the event loop, the cheaper choice on a RAM disk) and with the
 *   default `--file-io async` (the smtp-source rows' server).
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
  /** The generator's CPU milliseconds per message. */
  generatorMsPerMessage: number;
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
    generatorMsPerMessage: (result.cpuSeconds * 1000) / result.messages,
  };
}

/** Medians of a side's runs: how busy each process was, and the generator's own CPU per message. */
function pace(runs: LoadRun[]): string {
  const m = (f: (r: LoadRun) => number) => median(runs.map(f));
  return `busy ${m((r) => r.serverBusy).toFixed(2)} (server) / ${m((r) => r.generatorBusy).toFixed(2)} (generator) of a core, generator ${m((r) => r.generatorMsPerMessage).toFixed(3)} ms CPU a message`;
}

/**
 * The load-generator rows: throughput and server CPU per message, pipelined
 * over reused sessions and with a session per message, for the example with
 * `--file-io sync` (`ours`) and `--file-io async` (`oursAsync`, CPU only)
 * against smtp-server writing the same Maildir.
 */
async function clientRows(ours: ServerProcess, oursAsync: ServerProcess, peer: ServerProcess, runs: number, messages: number): Promise<ServerResult[]> {
  const results: ServerResult[] = [];
  for (const perMessage of [false, true]) {
    // A session per message against smtp-server waits its 100 ms before each greeting: fewer messages keep the run short.
    const count = perMessage ? Math.max(200, Math.floor(messages / 5)) : messages;
    const oursRuns: LoadRun[] = [];
    const asyncRuns: LoadRun[] = [];
    const peerRuns: LoadRun[] = [];
    for (let r = 0; r < runs; r++) {
      oursRuns.push(await load(ours, count, perMessage));
      asyncRuns.push(await load(oursAsync, count, perMessage));
      peerRuns.push(await load(peer, count, perMessage));
    }
    const what = `1 KiB messages, 20 sessions, the SMTP client ${perMessage ? "with a session per message" : "pipelining over reused sessions"}`;
    const perSecond = (list: LoadRun[]) => list.map((r) => r.perSecond);
    const cpu = (list: LoadRun[]) => list.map((r) => r.cpuMsPerMessage);
    const row = (test: string, unit: string, mine: number[], theirs: number[], ratio: number, target: number | undefined, note?: string): ServerResult => ({
      server: "smtp",
      test,
      unit,
      ours: median(mine),
      peer: median(theirs),
      peerName: "smtp-server, Maildir",
      ratio,
      target,
      oursPeakRss: ours.peakRss(),
      peerPeakRss: peer.peakRss(),
      runs: { ours: mine, peer: theirs },
      ...(note === undefined ? {} : { note }),
    });
    const target = perMessage ? undefined : 1.5;
    results.push(
      row(
        `${what}, the example with --file-io sync`,
        "messages/s",
        perSecond(oursRuns),
        perSecond(peerRuns),
        median(perSecond(oursRuns)) / median(perSecond(peerRuns)),
        target,
        `against the example (sync): ${pace(oursRuns)}; (async): ${pace(asyncRuns)}; against smtp-server: ${pace(peerRuns)}`,
      ),
      row(`${what}: server CPU per message, the example with --file-io sync (ratio: smtp-server's / ours)`, "ms", cpu(oursRuns), cpu(peerRuns), median(cpu(peerRuns)) / median(cpu(oursRuns)), target),
      row(`${what}: server CPU per message, the example with --file-io async (ratio: smtp-server's / ours)`, "ms", cpu(asyncRuns), cpu(peerRuns), median(cpu(peerRuns)) / median(cpu(asyncRuns)), undefined),
    );
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
  const oursSyncDir = mkdtempSync(path.join(ramDisk, "asynchat-bench-smtp-sync-"));
  const oursSync = await startServer(
    onCore(0, ["node", "examples/dist/start.js", "--only", "smtp", "--port", String(await freePort()), "--maildir", oursSyncDir, "--fsync", "off", "--file-io", "sync"]),
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
    results.push(...(await clientRows(oursSync, ours, peer, runs, messages)));
  } finally {
    await Promise.all([ours.stop(), oursSync.stop(), peer.stop(), discarding.stop()]);
    rmSync(oursDir, { recursive: true, force: true });
    rmSync(oursSyncDir, { recursive: true, force: true });
    rmSync(peerDir, { recursive: true, force: true });
  }
  return results;
}
