/**
 * The flags one command accepts, checked once: no name twice, string flags
 * with a value placeholder. A mistake here is the code's, not the user's, so
 * it throws a plain Error naming the flag and where it is declared.
 */

import type { FlagSpec } from "./flag";

/** Flags by name, in declaration order. */
export type FlagTable = ReadonlyMap<string, FlagSpec>;

/**
 * Merges flag lists into one table. The same flag declared twice is allowed
 * only when both declarations agree on how it is parsed (several examples
 * may each declare `--workers N`); `owner` names each list for the error.
 */
export function flagTable(lists: ReadonlyArray<{ owner: string; flags: readonly FlagSpec[] }>): FlagTable {
  const table = new Map<string, FlagSpec>();
  const owners = new Map<string, string>();
  for (const { owner, flags } of lists) {
    for (const flag of flags) {
      if (!/^[a-z][a-z0-9-]*$/.test(flag.name)) throw new Error(`${owner}: flag name ${JSON.stringify(flag.name)} must be lower-case words joined by dashes, without the leading --`);
      if (flag.type === "string" && (flag.value === undefined || flag.value === "")) throw new Error(`${owner}: --${flag.name} takes a value, so it needs a \`value\` placeholder such as "N"`);
      if (flag.type === "boolean" && flag.multiple === true) throw new Error(`${owner}: --${flag.name} is boolean and cannot be \`multiple\``);
      const earlier = table.get(flag.name);
      if (earlier === undefined) {
        table.set(flag.name, flag);
        owners.set(flag.name, owner);
      } else if (earlier.type !== flag.type || (earlier.multiple ?? false) !== (flag.multiple ?? false) || earlier.short !== flag.short) {
        throw new Error(`${owner}: --${flag.name} is declared differently by ${owners.get(flag.name)}`);
      }
    }
  }
  return table;
}

/** The values one parse found, sorted by kind (see `ExampleOptions`). */
export interface FlagValues {
  flags: Record<string, string>;
  switches: Set<string>;
  lists: Record<string, string[]>;
}

/** Sorts `parseArgs` values by the kind each flag is declared as. */
export function sortValues(table: FlagTable, values: Record<string, string | boolean | Array<string | boolean> | undefined>): FlagValues {
  const sorted: FlagValues = { flags: {}, switches: new Set(), lists: {} };
  for (const [name, flag] of table) {
    const value = values[name];
    if (value === undefined) continue;
    if (flag.type === "boolean") {
      if (value === true) sorted.switches.add(name);
    } else if (flag.multiple === true) {
      sorted.lists[name] = (Array.isArray(value) ? value : [value]).map(String);
    } else {
      sorted.flags[name] = String(value);
    }
  }
  return sorted;
}

/** Keeps only the values of flags in `names`. */
export function pickValues(values: FlagValues, names: ReadonlySet<string>): FlagValues {
  return {
    flags: Object.fromEntries(Object.entries(values.flags).filter(([name]) => names.has(name))),
    switches: new Set([...values.switches].filter((name) => names.has(name))),
    lists: Object.fromEntries(Object.entries(values.lists).filter(([name]) => names.has(name))),
  };
}
