/**
 * The README's "Limits and their defaults" table and DEFAULT_CHANNEL_OPTIONS
 * say the same thing: every channel limit has a row, and each row's default
 * is the one in force.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_CHANNEL_OPTIONS } from "@asynchat/core";
import { CallLog } from "../helpers";

const readme = readFileSync(path.resolve(__dirname, "../../../../README.md"), "utf8");

/** One row of the table: the option it names, where it is set, and its default as written. */
interface LimitRow {
  name: string;
  where: string;
  written: string;
}

/** The rows of the table under "## Limits and their defaults". */
function limitRows(): LimitRow[] {
  const start = readme.indexOf("## Limits and their defaults");
  if (start < 0) throw new Error('the README has no "Limits and their defaults" section');
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows: LimitRow[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = line.split("|").map((cell) => cell.trim());
    const name = /^`([A-Za-z]+)`/.exec(cells[1]!)?.[1];
    if (name === undefined) continue;
    rows.push({ name, where: cells[2]!, written: cells[3]! });
  }
  return rows;
}

/** A default as the README writes it ("16 MiB", "5 s", "off") as the option's number. */
function parseDefault(written: string): number {
  if (written === "off") return 0;
  const match = /^([\d,]+(?:\.\d+)?) ?(MiB|KiB|bytes|s|ms)?$/.exec(written);
  if (match === null) throw new Error(`cannot read the default ${JSON.stringify(written)}`);
  const value = Number(match[1]!.replace(/,/g, ""));
  const unit = { MiB: 1024 * 1024, KiB: 1024, bytes: 1, s: 1000, ms: 1 }[match[2] ?? "bytes"]!;
  return value * unit;
}

/** The rows about channel options, keyed by option. */
function channelRows(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const row of limitRows()) {
    if (row.where !== "`AsyncChatOptions`") continue;
    expect(rows.has(row.name)).toBe(false);
    rows.set(row.name, parseDefault(row.written));
  }
  return rows;
}

describe("the README's table of limits", () => {
  it("gives the defaults of DEFAULT_CHANNEL_OPTIONS for maxLength, outputHighWaterMark, maxBufferedInput and closeTimeout", () => {
    const rows = channelRows();
    expect(rows.get("maxLength")).toBe(16 * 1024 * 1024);
    expect(rows.get("outputHighWaterMark")).toBe(1024 * 1024);
    expect(rows.get("maxBufferedInput")).toBe(1024 * 1024);
    expect(rows.get("closeTimeout")).toBe(5000);
    for (const name of ["maxLength", "outputHighWaterMark", "maxBufferedInput", "closeTimeout"] as const) {
      expect([name, rows.get(name)]).toEqual([name, DEFAULT_CHANNEL_OPTIONS[name]]);
    }
  });

  it("has a row for every numeric channel option, each with the default in force", () => {
    const rows = channelRows();
    const numeric = Object.entries(DEFAULT_CHANNEL_OPTIONS).filter(([, value]) => typeof value === "number");
    expect(numeric.length).toBeGreaterThan(0);
    for (const [name, value] of numeric) expect([name, rows.get(name)]).toEqual([name, value]);
    for (const name of rows.keys()) expect(Object.keys(DEFAULT_CHANNEL_OPTIONS)).toContain(name);
  });

  it("describes what a channel made without options actually uses", () => {
    const channel = new CallLog();
    for (const [name, value] of channelRows()) {
      expect([name, channel.options[name as keyof typeof channel.options]]).toEqual([name, value]);
    }
    expect(channel.maxLength).toBe(channelRows().get("maxLength"));
  });
});
