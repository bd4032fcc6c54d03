/**
 * `npm run soak`: load and soak runs against the example servers, figures on
 * stdout. Not part of `npm test`. Exits non-zero if a reply was wrong, a
 * message was lost, or the heap grew by 10% or more.
 *
 *   node bench/dist/soak.js [--only resp,smtp,hold-net,hold-resp,hold-irc] [--hold N] [--quick]
 *
 * `hold-resp` and `hold-irc` hold N connections at once (default 100,000;
 * 5,000 with --quick) in one server process, as far as the open-file limit
 * lets one process go (soak.sh raises it and says what it got); `hold-net`
 * does the same against a bare node:net server, the floor they are compared with.
 */

import { readFileSync } from "node:fs";
import { holdSoak } from "./soak/hold";
import { respSoak } from "./soak/resp";
import { smtpSoak } from "./soak/smtp";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** This process's open-file limit (Linux's /proc/self/limits; 1024 if unknown). */
function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux.
  }
  return 1024;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const only = new Set((option("only") ?? "resp,smtp,hold-net,hold-resp,hold-irc").split(","));
  let failed = false;
  if (only.has("resp")) {
    const connections = quick ? 1000 : 10_000;
    const r = await respSoak(connections, 200, quick ? 100_000 : 1_000_000);
    failed ||= r.wrongReplies > 0 || r.connectionsHeld < connections || r.heapGrowth >= 0.1;
  }
  if (only.has("smtp")) {
    const s = await smtpSoak(quick ? 1000 : 10_000, 50);
    failed ||= s.missingOrDifferent > 0 || s.heapGrowth >= 0.1;
  }
  for (const example of ["net", "resp", "irc"] as const) {
    if (!only.has(`hold-${example}`)) continue;
    const wanted = Number(option("hold") ?? (quick ? 5000 : 100_000));
    // Both the server and each load process hold one descriptor per connection.
    const room = openFileLimit() - 200;
    const total = Math.min(wanted, room);
    if (total < wanted) {
      process.stdout.write(`note: ${example} holds ${total}, not ${wanted}: one process may open ${room + 200} files here (see soak.sh's line above)\n`);
    }
    const h = await holdSoak(example, total);
    // The bare server is the floor, not held to the target.
    failed ||= h.opened < total || h.answered < h.opened || h.closed < h.opened || (example !== "net" && h.rssPerIdleConnection > 6 * 1024) || total < wanted;
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
