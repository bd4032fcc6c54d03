/**
 * Users: AWAY, and the lookups clients poll with, ISON (irssi's /notify)
 * and USERHOST.
 */

import { Numeric } from "../numerics";
import type { CommandTable } from "./command";

/** Longest away message kept (advertised as `AWAYLEN`); longer ones are cut. */
export const AWAY_LENGTH = 200;

/** Most nicknames USERHOST answers for (RFC 2812 section 4.8). */
const USERHOST_MAX = 5;

/** AWAY, ISON, USERHOST. */
export const userCommands: CommandTable = {
  AWAY: {
    minParams: 0,
    run({ client, network }, params) {
      const message = params[0];
      if (message === undefined || message === "") {
        client.away = null;
        client.reply(Numeric.RPL_UNAWAY, "You are no longer marked as being away");
      } else {
        client.away = message.slice(0, AWAY_LENGTH);
        client.reply(Numeric.RPL_NOWAWAY, "You have been marked as being away");
      }
      network.observer?.userChanged(client);
    },
  },

  ISON: {
    minParams: 1,
    run({ client, network }, params) {
      // Nicknames as separate parameters, or space-separated in one trailing parameter.
      const online: string[] = [];
      for (const nick of params.join(" ").split(" ")) {
        const user = nick === "" ? undefined : network.findClient(nick);
        if (user?.registered === true && !online.includes(user.name)) online.push(user.name);
      }
      client.reply(Numeric.RPL_ISON, online.join(" "));
    },
  },

  USERHOST: {
    minParams: 1,
    run({ client, network }, params) {
      // nick=+user@host: `-` instead of `+` when away; a `*` after the nickname would mark an IRC operator (there are none).
      const replies: string[] = [];
      for (const nick of params.slice(0, USERHOST_MAX)) {
        const user = network.findClient(nick);
        if (user?.registered === true) replies.push(`${user.name}=${user.away === null ? "+" : "-"}${user.username ?? "*"}@${user.host}`);
      }
      client.reply(Numeric.RPL_USERHOST, replies.join(" "));
    },
  },
};
