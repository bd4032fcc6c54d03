/**
 * The README's usage section lists exactly the flags of the tables the
 * command line parses, with the same defaults, so the two cannot drift.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { examples } from "../../registry";
import { COMMON_FLAGS } from "../common-flags";
import { flagUsage } from "../flag";

/** `example | --flag VALUE | default` for every flag row of the README's "Usage" section. */
function readmeRows(): string[] {
  const readme = readFileSync(path.join(__dirname, "..", "..", "..", "README.md"), "utf8");
  const start = readme.indexOf("\n## Usage");
  if (start < 0) throw new Error('README.md has no "## Usage" section');
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows: string[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/`/g, "").replace(/\\\|/g, "|"));
    // | example | flag | default | what it does |
    if (cells.length >= 5 && /^-{1,2}[a-z]/.test(cells[2]!)) rows.push(`${cells[1]} | ${cells[2]!.replace(/^-h, /, "")} | ${cells[3]}`);
  }
  return rows.sort();
}

function tableRows(): string[] {
  const rows = COMMON_FLAGS.map((flag) => `every example | ${flagUsage(flag)} | ${flag.default}`);
  for (const example of examples) {
    for (const flag of example.flags) rows.push(`${example.name} | ${flagUsage(flag)} | ${flag.default}`);
  }
  return rows.sort();
}

describe("the README's usage section", () => {
  it("lists exactly the flags the command line takes, with their defaults", () => {
    const readme = readmeRows();
    const table = tableRows();
    // On failure: rows to add to the README (or fix), then rows it has that no table declares.
    expect({ missingFromReadme: table.filter((r) => !readme.includes(r)), notInTables: readme.filter((r) => !table.includes(r)) }).toEqual({
      missingFromReadme: [],
      notInTables: [],
    });
    expect(readme.length).toBe(table.length);
  });
});
