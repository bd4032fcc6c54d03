/**
 * What a command handler is and what it works with.
 */

import type { Client } from "../client";
import type { Network } from "../network";

/** What a handler works with: the client that sent the command and the network. */
export interface CommandContext {
  readonly client: Client;
  readonly network: Network;
}

/** One command of the protocol. */
export interface Command {
  /** Parameters it needs; with fewer the client gets 461 and `run` is not called. */
  readonly minParams: number;
  /** Whether it may be used before registration completes (otherwise 451). */
  readonly beforeRegistration?: boolean;
  /**
   * Carries it out. `command` is the upper-cased command name (one handler
   * may serve several). A Promise (a nickname claimed network-wide) holds
   * the client's next command back until it settles.
   */
  run(context: CommandContext, params: string[], command: string): void | Promise<void>;
}

/** Commands by upper-case name. */
export type CommandTable = Readonly<Record<string, Command>>;
