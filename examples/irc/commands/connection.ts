/**
 * Keeping the connection alive and ending it: PING, PONG, QUIT.
 */

import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { CommandTable } from "./command";

/** PING, PONG and QUIT; all usable before registration. */
export const connectionCommands: CommandTable = {
  PING: {
    minParams: 0,
    beforeRegistration: true,
    run({ client, network }, params) {
      const token = params[0];
      if (token === undefined || token === "") {
        client.reply(Numeric.ERR_NOORIGIN, "No origin specified");
        return;
      }
      const server = network.settings.serverName;
      client.send(formatMessage(server, "PONG", [server], token));
    },
  },
  PONG: {
    minParams: 0,
    beforeRegistration: true,
    run() {
      // Every line counts as a sign of life; the keep-alive has already seen this one.
    },
  },
  QUIT: {
    minParams: 0,
    beforeRegistration: true,
    run({ client, network }, params) {
      const message = params[0];
      network.quit(client, message ? `Quit: ${message}` : "Client Quit");
    },
  },
};
