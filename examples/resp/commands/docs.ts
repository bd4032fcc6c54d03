/**
 * COMMAND DOCS: each command's summary, version, group, complexity and
 * arguments (from the notation of `docs-table.ts`), in the shape Redis 7
 * replies with, so that clients that build hints from it (redis-cli 7.2
 * and later, GUI tools) can show them.
 */

import type { Args } from "../args";
import { replies } from "../reply";
import { COMMAND_DOCS } from "./docs-table";
import type { Command, CommandTable } from "./table";

/** One argument as COMMAND DOCS describes it. */
export interface DocArgument {
  name: string;
  type: string;
  token?: string;
  keySpecIndex?: number;
  flags: string[];
  arguments?: DocArgument[];
}

/** Splits the notation into brackets, bars, ellipses and words. */
function tokenize(syntax: string): string[] {
  return syntax.match(/\[|\]|\(|\)|\||\.\.\.|<[^>\s]+>|[^\s[\]()|<]+/g) ?? [];
}

/** Parses a syntax in the notation of `docs-table.ts` into arguments; throws on a malformed one. */
export function parseSyntax(syntax: string): DocArgument[] {
  const tokens = tokenize(syntax);
  let at = 0;
  let keys = 0;

  const group = (items: DocArgument[], type: "block" | "oneof"): DocArgument =>
    items.length === 1 && type === "block" ? items[0]! : { name: items.map((item) => item.name).join("-"), type, flags: [], arguments: items };

  const word = (text: string): DocArgument => {
    const equals = text.indexOf("=");
    if (equals > 0) return { ...word(text.slice(equals + 1)), token: text.slice(0, equals) };
    if (/^[A-Z][A-Z0-9-]*$/.test(text)) return { name: text.toLowerCase(), type: "pure-token", token: text, flags: [] };
    const colon = text.lastIndexOf(":");
    const name = colon > 0 ? text.slice(0, colon) : text;
    const type = colon > 0 ? text.slice(colon + 1) : text === "key" ? "key" : "string";
    return type === "key" ? { name, type, keySpecIndex: keys++, flags: [] } : { name, type, flags: [] };
  };

  /** Items until `close` (or the end); several alternatives become one `oneof`. */
  const sequence = (close: string | null): DocArgument[] => {
    const alternatives: DocArgument[][] = [];
    let items: DocArgument[] = [];
    for (;;) {
      const token = tokens[at++];
      if (token === undefined) {
        if (close !== null) throw new Error(`unclosed '${close}' in ${JSON.stringify(syntax)}`);
        break;
      }
      if (token === close) break;
      if (token === "|") {
        alternatives.push(items);
        items = [];
      } else if (token === "...") items[items.length - 1]!.flags.push("multiple");
      else items.push(item(token));
    }
    if (alternatives.length === 0) return items;
    alternatives.push(items);
    return [group(alternatives.map((alternative) => group(alternative, "block")), "oneof")];
  };

  const item = (token: string): DocArgument => {
    if (token.startsWith("<")) return { ...item(tokens[at++]!), name: token.slice(1, -1) };
    if (token === "[") {
      const inner = group(sequence("]"), "block");
      inner.flags.push("optional");
      return inner;
    }
    if (token === "(") return group(sequence(")"), "block");
    if (token.endsWith("=")) {
      // A keyword whose value is a group: `LIMIT=(offset count)`.
      const value = item(tokens[at++]!);
      return { ...value, token: token.slice(0, -1), name: value.type === "block" ? token.slice(0, -1).toLowerCase() : value.name };
    }
    return word(token);
  };

  return sequence(null);
}

/** Arguments per command, parsed once on first use. */
const parsed = new Map<string, DocArgument[]>();

function argumentsOf(fullName: string, syntax: string): DocArgument[] {
  let args = parsed.get(fullName);
  if (args === undefined) {
    args = parseSyntax(syntax);
    parsed.set(fullName, args);
  }
  return args;
}

function writeArgument(argument: DocArgument): void {
  const fields = 2 + (argument.keySpecIndex !== undefined ? 1 : 0) + (argument.token !== undefined ? 1 : 0) + (argument.flags.length > 0 ? 1 : 0) + (argument.arguments ? 1 : 0);
  replies.arrayHeader(fields * 2);
  replies.bulkText("name");
  replies.bulkText(argument.name);
  replies.bulkText("type");
  replies.bulkText(argument.type);
  if (argument.keySpecIndex !== undefined) {
    replies.bulkText("key_spec_index");
    replies.integer(argument.keySpecIndex);
  }
  if (argument.token !== undefined) {
    replies.bulkText("token");
    replies.bulkText(argument.token);
  }
  if (argument.flags.length > 0) {
    replies.bulkText("flags");
    replies.arrayHeader(argument.flags.length);
    for (const flag of argument.flags) replies.status(flag);
  }
  if (argument.arguments) {
    replies.bulkText("arguments");
    replies.arrayHeader(argument.arguments.length);
    for (const inner of argument.arguments) writeArgument(inner);
  }
}

/** Writes one command's documentation map (as a flat array, RESP2). */
function writeDocs(command: Command): void {
  const [group, since, complexity, summary, syntax] = COMMAND_DOCS[command.fullName] ?? ["server", "7.0.0", "", "", ""];
  const args = syntax === "" ? [] : argumentsOf(command.fullName, syntax);
  const subcommands = command.subcommands === null ? [] : [...command.subcommands.values()];
  replies.arrayHeader(2 * (4 + (args.length > 0 ? 1 : 0) + (subcommands.length > 0 ? 1 : 0)));
  replies.bulkText("summary");
  replies.bulkText(summary);
  replies.bulkText("since");
  replies.bulkText(since);
  replies.bulkText("group");
  replies.bulkText(group);
  replies.bulkText("complexity");
  replies.bulkText(complexity);
  if (args.length > 0) {
    replies.bulkText("arguments");
    replies.arrayHeader(args.length);
    for (const argument of args) writeArgument(argument);
  }
  if (subcommands.length > 0) {
    replies.bulkText("subcommands");
    replies.arrayHeader(subcommands.length * 2);
    for (const sub of subcommands) {
      replies.bulkText(sub.fullName);
      writeDocs(sub);
    }
  }
}

/** COMMAND DOCS [name ...]: name and documentation of each command named (unknown ones left out), or of every command. */
export function commandDocs(table: CommandTable, args: Args): void {
  const chosen: Command[] = [];
  if (args.count <= 2) chosen.push(...table.all);
  else {
    for (let i = 2; i < args.count; i++) {
      const command = table.find(args.text(i));
      if (command !== undefined) chosen.push(command);
    }
  }
  replies.arrayHeader(chosen.length * 2);
  for (const command of chosen) {
    replies.bulkText(command.fullName);
    writeDocs(command);
  }
}
