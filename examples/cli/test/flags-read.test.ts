/**
 * A declared flag that no code reads would be accepted and silently ignored.
 * Every flag in an example's table must be read somewhere in that example's
 * sources (`flags.maildir`, `flags["max-size"]`, a `"max-bulk-len"` entry),
 * and every common flag by the command line itself.
 */

import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { examples } from "../../registry";
import { COMMON_FLAGS } from "../common-flags";

const examplesDir = path.join(__dirname, "..", "..");

/** The example's own sources: not its flag table, not its tests. */
function sourcesOf(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "test" && entry.name !== "public") text += sourcesOf(full);
    } else if (entry.name.endsWith(".ts") && entry.name !== "flags.ts" && !entry.name.endsWith(".test.ts")) {
      text += readFileSync(full, "utf8");
    }
  }
  return text;
}

function reads(source: string, name: string): boolean {
  const quoted = new RegExp(`["'\`]${name}["'\`]`);
  const property = new RegExp(`\\.${name}\\b(?!\\s*\\()`);
  return quoted.test(source) || (/^[a-z]+$/.test(name) && property.test(source));
}

describe("every declared flag is read", () => {
  it.each(examples.filter((e) => e.flags.length > 0).map((e) => [e.name, e] as const))("by the %s example", (_name, example) => {
    const source = sourcesOf(path.join(examplesDir, example.name));
    expect(example.flags.map((f) => f.name).filter((name) => !reads(source, name))).toEqual([]);
  });

  it("by the command line, for the common flags", () => {
    const source = sourcesOf(path.join(examplesDir, "cli"));
    expect(COMMON_FLAGS.map((f) => f.name).filter((name) => !reads(source.replace(/^.*name: "[^"]+".*$/gm, ""), name))).toEqual([]);
  });

  it("would notice a flag nobody reads", () => {
    expect(reads('const root = options.flags.root ?? "x";', "root")).toBe(true);
    expect(reads('if (flags["max-size"] !== undefined) {}', "max-size")).toBe(true);
    expect(reads("const rooted = 1;", "root")).toBe(false);
  });
});
