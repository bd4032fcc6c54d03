/**
 * The protocol on an in-memory socket: the same conversation gives the same
 * replies however its bytes are split between reads.
 */

import { createSocketPair, chunkings, type MemorySocket } from "@asynchat/core/testing";
import { Network } from "../network";
import { IrcConnection } from "../protocol";
import { resolveSettings } from "../settings";

const CONVERSATION = Buffer.from(
  "CAP LS 302\r\nNICK split\nUSER split 0 * :Split Tester\r\nCAP END\r\nJOIN #pieces\r\nTOPIC #pieces :a topic\nPRIVMSG split :é to myself\r\nPING :done\r\n",
);

/** Feeds the conversation in the given pieces, one read each, and returns the replies up to the final PONG. */
async function converse(chunks: Buffer[]): Promise<string[]> {
  const network = new Network(resolveSettings({ motd: null }));
  const [server, client] = createSocketPair();
  const connection = new IrcConnection(server, network);
  let received = "";
  const done = new Promise<void>((resolve) => {
    (client as MemorySocket).on("data", (data: Buffer) => {
      received += data.toString("utf8");
      if (received.includes("PONG irc.local :done\r\n")) resolve();
    });
  });
  for (const chunk of chunks) {
    client.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  connection.destroy();
  client.destroy();
  // 003 carries the server's start time; it differs from run to run.
  return received.split("\r\n").filter((line) => !/^:\S+ 003 /.test(line));
}

it("answers a conversation the same way however its bytes are split between reads", async () => {
  const whole = await converse([CONVERSATION]);
  expect(whole).toContain(":irc.local 001 split :Welcome to the AsynchatNet Internet Relay Chat Network split!~split@unknown");
  expect(whole).toContain(":split!~split@unknown PRIVMSG split :é to myself");
  let runs = 0;
  for (const { name, chunks } of chunkings(CONVERSATION, { randomRuns: 10 })) {
    runs++;
    expect([name, await converse(chunks)]).toEqual([name, whole]);
  }
  expect(runs).toBeGreaterThan(CONVERSATION.length);
});
