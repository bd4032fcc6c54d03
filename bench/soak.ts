/**
 * `npm run soak`: load and soak runs against the example servers, figures on
 * stdout. Not part of `npm test`. Exits non-zero if a reply was wrong, a
 * message was lost, or the heap grew by 10% or more.
 *
 *   node bench/dist/soak.js [--only resp,smtp] [--quick]
 */

import { respSoak } from "./soak/resp";
import { smtpSoak } from "./soak/smtp";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const only = new Set((option("only") ?? "resp,smtp").split(","));
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
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
