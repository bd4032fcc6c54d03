/**
 * Every command this server knows, in one table.
 */

import { connectionCommands } from "./connection";
import { hashCommands } from "./hashes";
import { introspectionCommands } from "./introspection";
import { keyCommands } from "./keys";
import { listCommands } from "./lists";
import { setCommands } from "./sets";
import { sortedSetCommands } from "./sorted-sets";
import { stringCommands } from "./strings";
import { CommandTable } from "./table";

/** The command table of the server. */
export const commands: CommandTable = new CommandTable([
  ...stringCommands,
  ...keyCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...connectionCommands,
  ...introspectionCommands(() => commands),
]);

export { Command, CommandTable, type CommandSpec, type Run } from "./table";
