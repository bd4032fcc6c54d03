/**
 * Replies several command groups send the same way.
 */

import type { Client } from "../client";
import { MAX_LINE_CONTENT } from "../message";
import { Numeric } from "../numerics";

const NO_SUCH_CHANNEL = "No such channel";

/**
 * 403 naming the channel exactly as the client sent it, shortened on a
 * character boundary only when the reply would not fit in one line.
 */
export function noSuchChannel(client: Client, name: string): void {
  const room = MAX_LINE_CONTENT - Buffer.byteLength(`:${client.serverName} 403 ${client.name}  :${NO_SUCH_CHANNEL}`);
  let sent = name;
  if (Buffer.byteLength(sent) > room) {
    sent = Buffer.from(sent, "utf8").subarray(0, room).toString("utf8");
    // A character cut in half decodes as U+FFFD: drop it.
    if (sent.endsWith("\uFFFD")) sent = sent.slice(0, -1);
  }
  client.reply(Numeric.ERR_NOSUCHCHANNEL, sent, NO_SUCH_CHANNEL);
}
