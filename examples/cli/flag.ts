/**
 * How an example declares a command-line flag. Every example lists its flags
 * in a `flags.ts` beside its code (`examples/<name>/flags.ts`); the flags
 * every example takes are in `common-flags.ts`. The parser, `--help` and the
 * README check all read these tables, so adding a flag is one entry there
 * (plus the code that uses its value, and its README row).
 */

/** One command-line flag. */
export interface FlagSpec {
  /** The name without its dashes: `"max-size"` is `--max-size`. */
  readonly name: string;
  /** `"string"` takes a value (`--port 25`, `--port=25`); `"boolean"` takes none (`--proxy-protocol`). */
  readonly type: "string" | "boolean";
  /** A one-letter alias (`h` for `-h`). */
  readonly short?: string;
  /** A string flag that may be given more than once; its values are collected in order (see `ExampleOptions.lists`). */
  readonly multiple?: boolean;
  /** What the value is, as `--help` and the README show it: `N`, `DIR`, `URL`. Required for string flags. */
  readonly value?: string;
  /** The default as `--help` and the README show it (`2525`, `none`, `off`). */
  readonly default: string;
  /** What it does, in one line. */
  readonly description: string;
}

/** `--name VALUE` (or `--name` for a boolean flag), as `--help` and the README write a flag. */
export function flagUsage(flag: FlagSpec): string {
  return flag.type === "string" ? `--${flag.name} ${flag.value ?? "VALUE"}` : `--${flag.name}`;
}
