/**
 * MODE: channel modes `+o` (operator status), `+t` (topic lock), `+n` (no
 * outside messages), and the user mode `+i`.
 */

import { isChannelTarget } from "../casemap";
import type { Channel } from "../channel";
import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { CommandContext, CommandTable } from "./command";

/** A mode string as it is broadcast: `+o-t` and the arguments of the letters that take one. */
class ModeChanges {
  #text = "";
  #sign = "";
  readonly args: string[] = [];

  add(sign: "+" | "-", letter: string, arg?: string): void {
    if (sign !== this.#sign) this.#text += sign;
    this.#sign = sign;
    this.#text += letter;
    if (arg !== undefined) this.args.push(arg);
  }

  get empty(): boolean {
    return this.#text === "";
  }

  get text(): string {
    return this.#text;
  }
}

/** `MODE #channel [modes [args...]]`. */
function channelMode(context: CommandContext, name: string, modes: string | undefined, args: string[]): void {
  const { client, network } = context;
  const channel = network.findChannel(name);
  if (channel === undefined) {
    client.reply(Numeric.ERR_NOSUCHCHANNEL, name.slice(0, 64), "No such channel");
    return;
  }
  if (modes === undefined || modes === "" || modes === "+") {
    client.replyWords(Numeric.RPL_CHANNELMODEIS, channel.name, channel.modes);
    client.replyWords(Numeric.RPL_CREATIONTIME, channel.name, String(channel.createdAt));
    return;
  }
  if (modes === "b" || modes === "+b") {
    // Clients ask for the ban list after joining; there are no bans here.
    client.reply(Numeric.RPL_ENDOFBANLIST, channel.name, "End of channel ban list");
    return;
  }
  if (!channel.isOperator(client)) {
    client.reply(Numeric.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
    return;
  }
  const changes = applyChannelModes(context, channel, modes, args);
  if (!changes.empty) channel.broadcast(formatMessage(client.prefix, "MODE", [channel.name, changes.text, ...changes.args]));
}

/** Applies a mode string an operator sent; returns what actually changed. Unknown letters get 472. */
function applyChannelModes({ client, network }: CommandContext, channel: Channel, modes: string, args: string[]): ModeChanges {
  const changes = new ModeChanges();
  let sign: "+" | "-" = "+";
  let argIndex = 0;
  for (const letter of modes) {
    const on = sign === "+";
    switch (letter) {
      case "+":
      case "-":
        sign = letter;
        break;
      case "o": {
        const nick = args[argIndex++];
        if (nick === undefined) break;
        const target = network.findClient(nick);
        if (target === undefined || !target.registered) client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
        else if (!channel.has(target)) client.reply(Numeric.ERR_USERNOTINCHANNEL, target.name, channel.name, "They aren't on that channel");
        else if (channel.setOperator(target, on)) changes.add(sign, "o", target.name);
        break;
      }
      case "t":
        if (channel.topicLocked !== on) changes.add(sign, "t");
        channel.topicLocked = on;
        break;
      case "n":
        if (channel.noExternalMessages !== on) changes.add(sign, "n");
        channel.noExternalMessages = on;
        break;
      default:
        client.reply(Numeric.ERR_UNKNOWNMODE, letter, `is unknown mode char to me for ${channel.name}`);
    }
  }
  return changes;
}

/** `MODE nick [modes]`: only your own, and only `i`. */
function userMode({ client, network }: CommandContext, nick: string, modes: string | undefined): void {
  const target = network.findClient(nick);
  if (target === undefined || !target.registered) {
    client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
    return;
  }
  if (target !== client) {
    client.reply(Numeric.ERR_USERSDONTMATCH, "Can't change mode for other users");
    return;
  }
  if (modes === undefined || modes === "") {
    client.replyWords(Numeric.RPL_UMODEIS, client.invisible ? "+i" : "+");
    return;
  }
  const changes = new ModeChanges();
  let sign: "+" | "-" = "+";
  let unknown = false;
  for (const letter of modes) {
    if (letter === "+" || letter === "-") sign = letter;
    else if (letter === "i") {
      if (client.invisible !== (sign === "+")) changes.add(sign, "i");
      client.invisible = sign === "+";
    } else unknown = true;
  }
  if (unknown) client.reply(Numeric.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
  if (!changes.empty) client.send(formatMessage(client.name, "MODE", [client.name, changes.text]));
}

/** MODE. */
export const modeCommands: CommandTable = {
  MODE: {
    minParams: 1,
    run(context, params) {
      const [target, modes, ...args] = params as [string, ...string[]];
      if (isChannelTarget(target)) channelMode(context, target, modes, args);
      else userMode(context, target, modes);
    },
  },
};
