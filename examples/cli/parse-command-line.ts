/**
 * The examples' command line, parsed with `node:util` `parseArgs` in strict
 * mode against the flag tables (cli/common-flags.ts and each example's
 * `flags.ts`):
 *
 * - `npm start [-- flags]`: every example with `inStart`, each on its own port;
 * - `npm run example -- <name> [flags]` (`start.js --only <name> ...`): one example;
 * - `--help` / `-h` with either: the flags and their defaults.
 *
 * An unknown flag, a missing value, a bad number or an unknown example is a
 * {@link FlagError} naming it.
 */

import { parseArgs } from "node:util";
import { DEFAULT_MAX_CONNECTIONS } from "@asynchat/core";
import type { Example, ExampleOptions } from "../registry";
import { COMMON_FLAGS, ONE_EXAMPLE_ONLY } from "./common-flags";
import { deploymentFor } from "./deployment-flags";
import { FlagError } from "./flag-error";
import { type FlagTable, type FlagValues, flagTable, pickValues, sortValues } from "./flag-table";
import { exampleHelp, overallHelp } from "./help";

/** One example to start, with what its `start` gets. */
export interface Plan {
  example: Example;
  options: ExampleOptions;
}

/** What the command line asks for: help text to print, or servers to start. */
export type Command = { kind: "help"; text: string } | { kind: "start"; plans: Plan[] };

/**
 * Parses `argv` (without node and the script). A first argument `--only`
 * means one example, named next (what `npm run example` passes).
 * @throws FlagError for a mistake on the command line
 */
export function parseCommandLine(argv: readonly string[], examples: readonly Example[]): Command {
  return argv[0] === "--only" ? parseOne(argv.slice(1), examples) : parseAll(argv, examples);
}

function names(examples: readonly Example[]): string {
  return examples.map((e) => e.name).join(", ");
}

function parseOne(args: readonly string[], examples: readonly Example[]): Command {
  const first = args[0];
  if (first === undefined) throw new FlagError(`name an example: npm run example -- <name> [flags], one of ${names(examples)}; --help lists the flags`);
  if (first === "--help" || first === "-h") return { kind: "help", text: overallHelp(examples) };
  if (first.startsWith("-")) throw new FlagError(`the example's name comes first: npm run example -- <name> ${first} ..., one of ${names(examples)}`);
  const example = examples.find((e) => e.name === first);
  if (example === undefined) throw new FlagError(`unknown example ${JSON.stringify(first)}; the examples are ${names(examples)}`);
  const table = flagTable([
    { owner: "common flags", flags: COMMON_FLAGS },
    { owner: example.name, flags: example.flags },
  ]);
  const values = strictParse(args.slice(1), table, example.name, examples);
  if (values.switches.has("help")) return { kind: "help", text: exampleHelp(example) };
  const port = values.flags.port === undefined ? example.defaultPort : wholeNumber(example.name, "port", values.flags.port, 0, 65535);
  const options = optionsFor(example.name, port, values);
  const why = (options.workers ?? 1) > 1 ? example.singleProcess?.(options) : undefined;
  if (why !== undefined) throw new FlagError(`${example.name}: --workers ${values.flags.workers} refused: ${why}; run it with --workers 1`);
  return { kind: "start", plans: [{ example, options }] };
}

function parseAll(args: readonly string[], examples: readonly Example[]): Command {
  const chosen = examples.filter((e) => e.inStart);
  const started = chosen.length > 0 ? chosen : examples;
  const common = COMMON_FLAGS.filter((flag) => !ONE_EXAMPLE_ONLY.has(flag.name));
  const table = flagTable([{ owner: "common flags", flags: common }, ...started.map((e) => ({ owner: e.name, flags: e.flags }))]);
  const values = strictParse(args, table, "npm start", examples);
  if (values.switches.has("help")) return { kind: "help", text: overallHelp(examples) };
  const plans = started.map((example) => {
    // Each example gets the common flags and its own, not another example's.
    const own = new Set([...common.map((f) => f.name), ...example.flags.map((f) => f.name)]);
    return { example, options: optionsFor(example.name, example.defaultPort, pickValues(values, own)) };
  });
  return { kind: "start", plans };
}

function optionsFor(who: string, port: number, values: FlagValues): ExampleOptions {
  const text = values.flags["max-connections"];
  const maxConnections = text === undefined ? DEFAULT_MAX_CONNECTIONS : wholeNumber(who, "max-connections", text, 1, Number.MAX_SAFE_INTEGER);
  return { port, host: values.flags.host ?? "127.0.0.1", maxConnections, ...deploymentFor(who, values), ...values };
}

function wholeNumber(who: string, flag: string, text: string, least: number, most: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !(value >= least && value <= most)) {
    throw new FlagError(`${who}: --${flag} takes a whole number ${most === Number.MAX_SAFE_INTEGER ? `>= ${least}` : `from ${least} to ${most}`}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** `parseArgs` in strict mode; its errors become FlagErrors that name the flag and whose flag it is. */
function strictParse(args: readonly string[], table: FlagTable, who: string, examples: readonly Example[]): FlagValues {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  for (const [name, flag] of table) {
    options[name] = { type: flag.type, ...(flag.multiple === true ? { multiple: true } : {}), ...(flag.short === undefined ? {} : { short: flag.short }) };
  }
  try {
    const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return sortValues(table, values);
  } catch (error) {
    throw explain(error, table, who, examples);
  }
}

/** A clear message for each of `parseArgs`'s errors; the flag is the first quoted word of Node's message. */
function explain(error: unknown, table: FlagTable, who: string, examples: readonly Example[]): Error {
  // Not `instanceof Error`: under a test runner Node's errors may come from another realm.
  const { code, message } = typeof error === "object" && error !== null ? (error as { code?: unknown; message?: unknown }) : {};
  if (typeof message !== "string") return new FlagError(`${who}: ${String(error)}`);
  // Node quotes the flag as '--port', '--port <value>' or '-h, --help'.
  const name = /'(?:-\w, )?--([^' ]+)/.exec(message)?.[1] ?? /'-(\w)'/.exec(message)?.[1] ?? "";
  const flag = table.get(name) ?? [...table.values()].find((f) => f.short === name);
  const quoted = flag === undefined ? (/'([^' ]+)/.exec(message)?.[1] ?? "") : `--${flag.name}`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const owners = examples.filter((e) => e.flags.some((f) => f.name === name)).map((e) => e.name);
      const elsewhere = ONE_EXAMPLE_ONLY.has(name)
        ? ` (${quoted} is for one example: npm run example -- <name> ${quoted} ...)`
        : owners.length > 0
          ? ` (${quoted} is a flag of ${owners.join(", ")})`
          : "";
      return new FlagError(`${who}: unknown flag ${quoted}${elsewhere}; --help lists the flags`);
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      if (flag !== undefined && flag.type === "boolean") return new FlagError(`${who}: --${flag.name} takes no value`);
      const usage = flag === undefined ? quoted : `--${flag.name} ${flag.value ?? "VALUE"}`;
      return new FlagError(`${who}: ${quoted} needs a value (${usage}); a value that starts with - is given as ${quoted}=-...`);
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new FlagError(`${who}: unexpected argument ${JSON.stringify(quoted)}; flags are --name VALUE, and one example is named first`);
    default:
      return new FlagError(`${who}: ${message}`);
  }
}
