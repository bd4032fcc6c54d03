/**
 * Talking: PRIVMSG and NOTICE, to channels and to nicknames.
 */

import { isChannelTarget } from "../casemap";
import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { Command, CommandContext } from "./command";
import { splitList } from "./channels";

/**
 * Delivers a PRIVMSG or NOTICE to each target (at most `maxTargets`, 407 for
 * the rest). A channel message goes to every member but the sender; with
 * `+n` only members may send, with `+m` only operators and voiced members,
 * and a banned member may not (404). A PRIVMSG to someone away gets 301 with
 * their message. As RFC 2812 section 3.3.2 requires, a NOTICE never causes
 * an error or away reply.
 */
function deliver({ client, network }: CommandContext, params: string[], command: string): void {
  const notice = command === "NOTICE";
  const fail = (code: string, ...args: string[]): void => {
    if (!notice) client.reply(code, ...args);
  };
  const targets = params[0] === undefined ? [] : [...new Set(splitList(params[0]))];
  if (targets.length === 0) {
    fail(Numeric.ERR_NORECIPIENT, `No recipient given (${command})`);
    return;
  }
  const text = params[1];
  if (text === undefined || text === "") {
    fail(Numeric.ERR_NOTEXTTOSEND, "No text to send");
    return;
  }
  const { maxTargets } = network.settings;
  targets.forEach((target, index) => {
    if (index >= maxTargets) {
      fail(Numeric.ERR_TOOMANYTARGETS, target, `Too many recipients (at most ${maxTargets}). Message not delivered`);
      return;
    }
    if (isChannelTarget(target)) {
      const channel = network.findChannel(target);
      if (channel === undefined) {
        fail(Numeric.ERR_NOSUCHNICK, target, "No such nick/channel");
      } else if (!channel.maySpeak(client)) {
        fail(Numeric.ERR_CANNOTSENDTOCHAN, channel.name, "Cannot send to channel");
      } else {
        channel.broadcast(formatMessage(client.prefix, command, [channel.name], text), client);
      }
      return;
    }
    const user = network.findClient(target);
    if (user === undefined || !user.registered) {
      fail(Numeric.ERR_NOSUCHNICK, target, "No such nick/channel");
      return;
    }
    user.send(formatMessage(client.prefix, command, [user.name], text));
    if (user.away !== null) fail(Numeric.RPL_AWAY, user.name, user.away);
  });
}

/** PRIVMSG and NOTICE (411 and 412 are checked by the handler, so `minParams` is 0). */
export const messagingCommands: Readonly<Record<"PRIVMSG" | "NOTICE", Command>> = {
  PRIVMSG: { minParams: 0, run: deliver },
  NOTICE: { minParams: 0, run: deliver },
};
