/**
 * SMTP row: postfix's `smtp-source` sending 1 KiB messages over 20
 * sessions, with and without connection reuse, against the SMTP example and
 * npm `smtp-server` (reverse DNS off). The example and one smtp-server write
 * each message to a Maildir on a RAM disk without fsync, so the disk does
 * not decide; a second smtp-server discards messages, for reference.
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ServerResult, SkippedRow } from "./result";
import { ensureCommand, freePort, median, onCore, run, startServer } from "./processes";

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
  } finally {
    await Promise.all([ours.stop(), peer.stop(), discarding.stop()]);
    rmSync(oursDir, { recursive: true, force: true });
    rmSync(peerDir, { recursive: true, force: true });
  }
  return results;
}
