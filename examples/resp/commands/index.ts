/**
 * Every command this server knows, in one table.
 */

import { connectionCommands } from "./connection";
import { introspectionCommands } from "./introspection";
import { keyCommands } from "./keys";
import { stringCommands } from "./strings";
import { CommandTable } from "./table";

/** The command table of the server. */
export const commands: CommandTable = new CommandTable([
  ...stringCommands,
  ...keyCommands,
  ...connectionCommands,
  ...introspectionCommands(() => commands),
]);

export { Command, CommandTable, type CommandSpec, type Run } from "./table";
