/**
 * `npm run bench:servers`: each example server against its real peer, in the
 * same run, server pinned to core 0 and load generator to core 1 (taskset).
 * Prints a table (median of several runs, peak RSS) and writes JSON to
 * bench/results/servers-<time>.json.
 *
 *   node bench/dist/servers.js [--only resp,resp-proxy,churn,http,http-workers,smtp] [--runs 3] [--quick]
 *
 * The HTTP and churn rows always run at least five rounds (their targets are on medians of five).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { churnRow } from "./servers/churn";
import { httpRow } from "./servers/http";
import { httpWorkersRow } from "./servers/http-workers";
import { pinned } from "./servers/processes";
import { respRow } from "./servers/resp";
import { respProxyRow } from "./servers/resp-proxy";
import type { ServerResult, SkippedRow } from "./servers/result";
import { smtpRow } from "./servers/smtp";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function megabytes(bytes: number | null): string {
  return bytes === null ? "-" : `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function figure(value: number): string {
  if (value < 10) return value.toFixed(3);
  return value >= 100_000 ? `${(value / 1000).toFixed(0)} k` : value >= 10_000 ? `${(value / 1000).toFixed(1)} k` : value.toFixed(0);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const runs = Number(option("runs") ?? (quick ? 1 : 3));
  const only = new Set((option("only") ?? "resp,resp-proxy,churn,http,http-workers,smtp").split(","));
  process.chdir(path.join(__dirname, "..", ".."));
  if (!pinned) process.stderr.write("note: taskset is not available; server and load generator are not pinned\n");
  const rows: Array<ServerResult | SkippedRow> = [];
  if (only.has("resp")) rows.push(...(await respRow(runs, quick ? 50_000 : 200_000)));
  if (only.has("resp-proxy")) rows.push(...(await respProxyRow(runs, quick ? 50_000 : 200_000)));
  if (only.has("churn")) rows.push(...(await churnRow(quick ? runs : Math.max(runs, 5), quick ? 10_000 : 30_000)));
  // The HTTP target is on medians of five rounds; --runs may ask for more.
  if (only.has("http")) rows.push(...(await httpRow(quick ? 1 : Math.max(runs, 5), quick ? 3 : 5)));
  if (only.has("http-workers")) rows.push(...(await httpWorkersRow(runs, quick ? 3 : 5)));
  if (only.has("smtp")) rows.push(...(await smtpRow(runs, quick ? 2000 : 10_000)));

  const lines = [
    `server benchmarks — median of ${runs} run(s), ${pinned ? "server on core 0, load on core 1" : "unpinned"}`,
    "",
    "| server | test | ours | peer | ratio (target) | peak RSS ours / peer |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    if ("skipped" in row) {
      lines.push(`| ${row.server} | skipped: ${row.skipped} | | | | |`);
      continue;
    }
    const verdict = row.target === undefined ? "" : ` (≥ ${row.target}× ${row.ratio >= row.target ? "met" : "MISSED"})`;
    lines.push(
      `| ${row.server} | ${row.test} | ${figure(row.ours)} ${row.unit} | ${figure(row.peer)} (${row.peerName}) | ${row.ratio.toFixed(2)}×${verdict} | ${megabytes(row.oursPeakRss)} / ${megabytes(row.peerPeakRss)} |`,
    );
  }
  const notes = rows.filter((row): row is ServerResult => "note" in row && row.note !== undefined);
  if (notes.length > 0) lines.push("", ...notes.map((row) => `- ${row.server}, ${row.test}: ${row.note}`));
  process.stdout.write(`${lines.join("\n")}\n`);
  const directory = path.join("bench", "results");
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `servers-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ runs, pinned, rows }, null, 2));
  process.stdout.write(`\nJSON: ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
