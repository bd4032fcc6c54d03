/**
 * The command table: a Map from lower-case name to command, arity checked
 * before a command runs, container commands (CLIENT, CONFIG, COMMAND)
 * dispatching on their subcommand, and Redis's replies for unknown ones.
 */

import type { Args } from "../args";
import { ErrorReplies, arityError, unknownCommand, unknownSubcommand } from "../errors";
import { replies } from "../reply";
import type { Session } from "../session";

/** Runs a command whose arity has been checked; writes its reply with `replies`. */
export type Run = (session: Session, args: Args) => void;

/** A command as its module declares it. */
export interface CommandSpec {
  /** Lower-case name. */
  name: string;
  /**
   * Redis's arity: `n > 0` exactly n arguments (the name counts), `-n` at
   * least n. For a subcommand, the name and the subcommand count.
   */
  arity: number;
  /** Redis's command flags, for COMMAND (`readonly`, `write`, `fast`, ...). */
  flags: readonly string[];
  /** First key, last key (-1: the last argument) and step, for COMMAND; `[0, 0, 0]` for none. */
  keys?: readonly [number, number, number];
  /** What it does (container commands have `subcommands` instead). */
  run?: Run;
  /** Subcommands of a container command. */
  subcommands?: readonly CommandSpec[];
  /** Allowed before AUTH when the server has a password (Redis's `no-auth`: AUTH, HELLO, QUIT). */
  noAuth?: boolean;
}

/** A command ready to run: its spec with the error reply for a wrong arity made once. */
export class Command {
  /** Lower-case name; for a subcommand `parent|name`, as error replies show it. */
  readonly fullName: string;
  /** `-ERR wrong number of arguments for '<fullName>' command`, encoded. */
  readonly arityError: Buffer;
  /** Subcommands by lower-case name, or null. */
  readonly subcommands: ReadonlyMap<string, Command> | null;

  /**
   * @param spec the declaration
   * @param parent the container command, for a subcommand
   */
  constructor(
    readonly spec: CommandSpec,
    parent?: string,
  ) {
    this.fullName = parent === undefined ? spec.name : `${parent}|${spec.name}`;
    this.arityError = arityError(this.fullName);
    this.subcommands = spec.subcommands === undefined ? null : new Map(spec.subcommands.map((sub) => [sub.name, new Command(sub, spec.name)]));
  }

  /** Whether `count` arguments fit the arity. */
  accepts(count: number): boolean {
    const arity = this.spec.arity;
    return arity >= 0 ? count === arity : count >= -arity;
  }
}

/** Slots of the table that finds a command from the bytes of its name. */
const BY_BYTES_SLOTS = 256;
/** Names longer than this are looked up by string only. */
const BY_BYTES_LONGEST = 16;

/**
 * Hash of a command name's bytes, the same for any case: `| 0x20` turns
 * ASCII capitals into small letters (names are letters only, and no other
 * byte becomes a letter that way).
 */
function nameHash(bytes: Uint8Array, start: number, end: number): number {
  let hash = end - start;
  for (let i = start; i < end; i++) hash = (hash * 31 + (bytes[i]! | 0x20)) | 0;
  return hash & (BY_BYTES_SLOTS - 1);
}

/**
 * Commands by name: a Map from the lower-case name (and the upper-case one,
 * the usual spellings), and in front of it a small table indexed by a hash
 * of the name's bytes, so that finding the command of a request needs no
 * string at all.
 */
export class CommandTable {
  readonly #byName = new Map<string, Command>();
  readonly #commands: Command[] = [];
  /** Slot → command whose name hashes there (the first one added, if several do), or undefined. */
  readonly #byBytes: Array<Command | undefined> = new Array<Command | undefined>(BY_BYTES_SLOTS).fill(undefined);
  /** The same commands' names as lower-case bytes. */
  readonly #nameBytes: Array<Buffer | undefined> = new Array<Buffer | undefined>(BY_BYTES_SLOTS).fill(undefined);

  /** @param specs every command the server knows */
  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) this.add(spec);
  }

  /** Adds a command (a later one with the same name replaces the earlier). */
  add(spec: CommandSpec): void {
    const command = new Command(spec);
    const earlier = this.#commands.findIndex((known) => known.spec.name === spec.name);
    if (earlier >= 0) this.#commands.splice(earlier, 1);
    this.#commands.push(command);
    this.#byName.set(spec.name, command);
    this.#byName.set(spec.name.toUpperCase(), command);
    const bytes = Buffer.from(spec.name, "latin1");
    if (bytes.length > BY_BYTES_LONGEST || !/^[a-z]+$/.test(spec.name)) return;
    const slot = nameHash(bytes, 0, bytes.length);
    if (this.#byBytes[slot] !== undefined && this.#nameBytes[slot]!.equals(bytes)) this.#byBytes[slot] = command;
    else if (this.#byBytes[slot] === undefined) {
      this.#byBytes[slot] = command;
      this.#nameBytes[slot] = bytes;
    }
  }

  /** The command whose name is `bytes[start..end)` in any case, without making a string; undefined if none (or not in the byte table). */
  #findBytes(bytes: Uint8Array, start: number, end: number): Command | undefined {
    const length = end - start;
    if (length > BY_BYTES_LONGEST) return undefined;
    const slot = nameHash(bytes, start, end);
    const name = this.#nameBytes[slot];
    if (name === undefined || name.length !== length) return undefined;
    for (let i = 0; i < length; i++) if ((bytes[start + i]! | 0x20) !== name[i]) return undefined;
    return this.#byBytes[slot];
  }

  /** Every command, in the order added. */
  get all(): readonly Command[] {
    return this.#commands;
  }

  /** The command called `name` (any case), or undefined. */
  find(name: string): Command | undefined {
    return this.#byName.get(name) ?? this.#byName.get(name.toLowerCase());
  }

  /**
   * Runs the command in `args` (its window: the name, then the
   * arguments), or replies with Redis's error for an unknown command, an
   * unknown subcommand or a wrong number of arguments.
   */
  execute(session: Session, args: Args): void {
    let command = this.#findBytes(args.buffer(0), args.start(0), args.end(0));
    if (command === undefined) {
      const name = args.text(0);
      command = this.#byName.get(name) ?? this.#byName.get(name.toLowerCase());
      if (command === undefined) {
        // Each argument shown adds at least three characters ('' and a space) to a list cut at 128.
        const shown: string[] = [];
        for (let i = 1; i < args.count && i <= 43; i++) shown.push(args.text(i));
        replies.error(unknownCommand(name, shown));
        return;
      }
    }
    if (!command.accepts(args.count)) {
      replies.raw(command.arityError);
      return;
    }
    const noAuth = command.spec.noAuth === true;
    const subcommands = command.subcommands;
    if (subcommands !== null && (args.count > 1 || command.spec.run === undefined)) {
      const subname = args.text(1);
      const sub = subcommands.get(subname.toLowerCase());
      if (sub === undefined) {
        replies.error(unknownSubcommand(subname, command.spec.name));
        return;
      }
      if (!sub.accepts(args.count)) {
        replies.raw(sub.arityError);
        return;
      }
      command = sub;
    }
    // As Redis: unknown commands and wrong arities are told first, then NOAUTH.
    if (!session.authenticated && !noAuth) {
      replies.raw(ErrorReplies.NOAUTH);
      return;
    }
    command.spec.run!(session, args);
    // Counted once run, as Redis does: INFO does not count itself, RESETSTAT is the first of the new count.
    session.server.commandsProcessed++;
  }
}
