/**
 * Looking at the network: WHO, WHOIS, MOTD.
 */

import { isChannelTarget, matchesMask } from "../casemap";
import type { Channel } from "../channel";
import type { Client } from "../client";
import { Numeric } from "../numerics";
import type { IrcSettings } from "../settings";
import type { CommandContext, CommandTable } from "./command";

/** Sends the message of the day (375, 372..., 376), or 422 when there is none. */
export function sendMotd(client: Client, settings: IrcSettings): void {
  if (settings.motd === null) {
    client.reply(Numeric.ERR_NOMOTD, "MOTD File is missing");
    return;
  }
  client.reply(Numeric.RPL_MOTDSTART, `- ${settings.serverName} Message of the day - `);
  for (const line of settings.motd) client.reply(Numeric.RPL_MOTD, `- ${line}`);
  client.reply(Numeric.RPL_ENDOFMOTD, "End of /MOTD command.");
}

/** One 352 line: `<channel> <user> <host> <server> <nick> <H|G>[@|+] :0 <real name>` (`G`: away). */
function whoReply({ client, network }: CommandContext, channel: Channel | null, user: Client): void {
  const flags = (user.away === null ? "H" : "G") + (channel === null ? "" : channel.prefixOf(user));
  client.reply(
    Numeric.RPL_WHOREPLY,
    channel?.name ?? "*",
    user.username ?? "*",
    user.host,
    user.server,
    user.name,
    flags,
    `0 ${user.realname}`,
  );
}

/** Whether `viewer` may see `user` in a WHO by mask: not invisible, or sharing a channel, or itself. */
function visibleTo(user: Client, viewer: Client): boolean {
  if (!user.invisible || user === viewer) return true;
  for (const channel of user.channels) if (channel.has(viewer)) return true;
  return false;
}

/** WHO, WHOIS, MOTD. */
export const queryCommands: CommandTable = {
  WHO: {
    minParams: 0,
    run(context, params) {
      const { client, network } = context;
      const mask = params[0] === undefined || params[0] === "0" ? "*" : params[0];
      if (isChannelTarget(mask)) {
        const channel = network.findChannel(mask);
        if (channel !== undefined) for (const member of channel.members.keys()) whoReply(context, channel, member);
      } else {
        for (const user of network.clients) {
          if (user.registered && matchesMask(mask, user.name) && visibleTo(user, client)) whoReply(context, null, user);
        }
      }
      client.reply(Numeric.RPL_ENDOFWHO, mask, "End of /WHO list.");
    },
  },

  WHOIS: {
    minParams: 0,
    run({ client, network }, params) {
      // WHOIS [server] nick[,nick...]
      const list = params[params.length - 1];
      if (list === undefined || list === "") {
        client.reply(Numeric.ERR_NONICKNAMEGIVEN, "No nickname given");
        return;
      }
      const { serverName, networkName } = network.settings;
      for (const nick of list.split(",").slice(0, network.settings.maxTargets)) {
        if (nick === "") continue;
        const user = network.findClient(nick);
        if (user === undefined || !user.registered) {
          client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
        } else {
          client.reply(Numeric.RPL_WHOISUSER, user.name, user.username ?? "*", user.host, "*", user.realname);
          if (user.channels.size > 0) {
            const channels = [...user.channels].map((c) => c.prefixOf(user) + c.name);
            client.replyList(Numeric.RPL_WHOISCHANNELS, [user.name], channels);
          }
          client.reply(Numeric.RPL_WHOISSERVER, user.name, user.server, `${networkName} IRC server`);
          if (user.away !== null) client.reply(Numeric.RPL_AWAY, user.name, user.away);
        }
        client.reply(Numeric.RPL_ENDOFWHOIS, nick, "End of /WHOIS list.");
      }
    },
  },

  MOTD: {
    minParams: 0,
    run({ client, network }) {
      sendMotd(client, network.settings);
    },
  },
};
