/**
 * The command table and the dispatcher that applies the rules every command
 * shares: 421 for an unknown command, 451 before registration, 461 for
 * missing parameters.
 */

import type { Message } from "../message";
import { Numeric } from "../numerics";
import type { Command, CommandContext } from "./command";
import { channelCommands } from "./channels";
import { connectionCommands } from "./connection";
import { messagingCommands } from "./messaging";
import { modeCommands } from "./modes";
import { queryCommands } from "./queries";
import { registrationCommands } from "./registration";
import { serverInfoCommands } from "./server-info";
import { userCommands } from "./users";

export type { Command, CommandContext, CommandTable } from "./command";

/** Every command, by upper-case name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  Object.entries({
    ...registrationCommands,
    ...connectionCommands,
    ...channelCommands,
    ...modeCommands,
    ...messagingCommands,
    ...queryCommands,
    ...userCommands,
    ...serverInfoCommands,
  }),
);

/** Carries out one message from `context.client`; a Promise when the command waits for the network. */
export function dispatch(context: CommandContext, message: Message): void | Promise<void> {
  const { client } = context;
  const command = COMMANDS.get(message.command);
  if (command === undefined) {
    client.reply(Numeric.ERR_UNKNOWNCOMMAND, message.command.slice(0, 32), "Unknown command");
    return;
  }
  if (!client.registered && command.beforeRegistration !== true) {
    client.reply(Numeric.ERR_NOTREGISTERED, "You have not registered");
    return;
  }
  if (message.params.length < command.minParams) {
    client.reply(Numeric.ERR_NEEDMOREPARAMS, message.command, "Not enough parameters");
    return;
  }
  return command.run(context, message.params, message.command);
}
