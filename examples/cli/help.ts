/**
 * The `--help` text: every flag with its value, default and meaning, from
 * the same tables the parser reads.
 */

import type { Example } from "../registry";
import { COMMON_FLAGS, ONE_EXAMPLE_ONLY } from "./common-flags";
import { type FlagSpec, flagUsage } from "./flag";

function flagLines(flags: readonly FlagSpec[], width: number): string[] {
  return flags.map((flag) => {
    const usage = (flag.short === undefined ? "" : `-${flag.short}, `) + flagUsage(flag) + (flag.multiple === true ? " (repeatable)" : "");
    return `  ${usage.padEnd(width)}  ${flag.description} (default: ${flag.default})`;
  });
}

function widthOf(lists: ReadonlyArray<readonly FlagSpec[]>): number {
  let width = 0;
  for (const flags of lists) {
    for (const flag of flags) width = Math.max(width, flagUsage(flag).length + (flag.short === undefined ? 0 : 4) + (flag.multiple === true ? 13 : 0));
  }
  return width;
}

function ownFlags(example: Example, width: number): string[] {
  return example.flags.length === 0 ? ["  (no flags of its own)"] : flagLines(example.flags, width);
}

/** `npm run example -- <name> --help`: the common flags and the example's own. */
export function exampleHelp(example: Example): string {
  const width = widthOf([COMMON_FLAGS, example.flags]);
  const common = COMMON_FLAGS.map((flag) => (flag.name === "port" ? { ...flag, default: String(example.defaultPort) } : flag));
  return [
    `usage: npm run example -- ${example.name} [flags]`,
    `${example.name}: ${example.summary}; try: ${example.hint("127.0.0.1", example.defaultPort)}`,
    "",
    "flags of every example:",
    ...flagLines(common, width),
    "",
    `flags of ${example.name}:`,
    ...ownFlags(example, width),
    "",
  ].join("\n");
}

/** `npm start -- --help` and `npm run example -- --help`: how to start them, and every example's flags. */
export function overallHelp(examples: readonly Example[]): string {
  const width = widthOf([COMMON_FLAGS, ...examples.map((e) => e.flags)]);
  const started = examples.filter((e) => e.inStart).map((e) => e.name).join(", ");
  const lines = [
    "usage: npm start [-- flags]                   start " + started + ", each on its own port",
    `       npm run example -- <name> [flags]    start one example: ${examples.map((e) => e.name).join(", ")}`,
    "       npm run example -- <name> --help     that example's flags",
    "",
    "An unknown flag or a flag without its value is an error (exit status 2).",
    `npm start takes the flags of every example except ${[...ONE_EXAMPLE_ONLY].map((n) => `--${n}`).join(", ")}, and each example's own flags.`,
    "",
    "flags of every example:",
    ...flagLines(COMMON_FLAGS, width),
  ];
  for (const example of examples) {
    lines.push("", `${example.name} (port ${example.defaultPort}): ${example.summary}`, ...ownFlags(example, width));
  }
  lines.push("");
  return lines.join("\n");
}
