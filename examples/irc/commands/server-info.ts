/**
 * What the server says about itself: VERSION, LUSERS, TIME, INFO.
 */

import { Numeric } from "../numerics";
import type { CommandTable } from "./command";
import { SERVER_VERSION, sendIsupport } from "./registration";

/** The lines of INFO (371). */
const INFO = [
  `${SERVER_VERSION}: an IRC server written on @asynchat/core and @asynchat/decorators,`,
  "the client side of RFC 1459 / RFC 2812 and the modern client protocol.",
  "Each connection is a Protocol whose states read lines; the commands work on one shared Network.",
];

/** VERSION, LUSERS, TIME, INFO. A server name given as a parameter is ignored: there is only this one. */
export const serverInfoCommands: CommandTable = {
  VERSION: {
    minParams: 0,
    run({ client, network }) {
      const { serverName } = network.settings;
      client.reply(Numeric.RPL_VERSION, `${SERVER_VERSION}.`, serverName, "asynchat for TypeScript");
      sendIsupport(client, network.settings);
    },
  },

  LUSERS: {
    minParams: 0,
    run({ client, network }) {
      // Users of other servers of a network (mirrored here) count in the global figures, not the local ones.
      let users = 0;
      let invisible = 0;
      let unknown = 0;
      let local = 0;
      for (const user of network.clients) {
        if (!user.registered) unknown++;
        else if (user.invisible) invisible++;
        else users++;
        if (user.registered && user.node === null) local++;
      }
      const total = users + invisible;
      const servers = network.servers();
      const channels = [...network.channels()].length;
      client.reply(Numeric.RPL_LUSERCLIENT, `There are ${users} users and ${invisible} invisible on ${servers} servers`);
      client.reply(Numeric.RPL_LUSEROP, "0", "operator(s) online");
      if (unknown > 0) client.reply(Numeric.RPL_LUSERUNKNOWN, String(unknown), "unknown connection(s)");
      client.reply(Numeric.RPL_LUSERCHANNELS, String(channels), "channels formed");
      client.reply(Numeric.RPL_LUSERME, `I have ${local} clients and ${servers - 1} servers`);
      client.reply(Numeric.RPL_LOCALUSERS, String(local), String(network.peakUsers), `Current local users ${local}, max ${network.peakUsers}`);
      const peak = Math.max(network.peakGlobalUsers, total);
      client.reply(Numeric.RPL_GLOBALUSERS, String(total), String(peak), `Current global users ${total}, max ${peak}`);
    },
  },

  TIME: {
    minParams: 0,
    run({ client, network }) {
      client.reply(Numeric.RPL_TIME, network.settings.serverName, new Date().toUTCString());
    },
  },

  INFO: {
    minParams: 0,
    run({ client }) {
      for (const line of INFO) client.reply(Numeric.RPL_INFO, line);
      client.reply(Numeric.RPL_ENDOFINFO, "End of INFO list");
    },
  },
};
