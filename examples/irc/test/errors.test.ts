/**
 * Replies to malformed and unknown commands, over a raw socket.
 */

import { numeric, testServer } from "./raw-client";

let irc: Awaited<ReturnType<typeof testServer>>;
beforeAll(async () => {
  irc = await testServer();
});
afterAll(() => irc.stop());

it("answers an unknown command with 421, before and after registration", async () => {
  const c = await irc.connect();
  c.send("HELLO there");
  expect(await c.expect(numeric("421"))).toBe(":irc.local 421 * HELLO :Unknown command");
  await c.register("unknown");
  c.send("frobnicate");
  expect(await c.expect(numeric("421"))).toBe(":irc.local 421 unknown FROBNICATE :Unknown command");
});

it.each([
  ["JOIN", "JOIN"],
  ["PART", "PART"],
  ["KICK", "KICK #chan"],
  ["USER", "USER only two"],
  ["MODE", "MODE"],
  ["TOPIC", "TOPIC"],
  ["CAP", "CAP"],
])("answers %s without enough parameters with 461", async (command, line) => {
  const c = await irc.client(`short${command}`);
  c.send(line);
  expect(await c.expect(numeric("461"))).toBe(`:irc.local 461 short${command} ${command} :Not enough parameters`);
});

it("ignores empty lines, message tags and a prefix sent by the client", async () => {
  const c = await irc.client("tagged");
  c.sendRaw("\r\n   \r\n\n");
  c.send("@label=abc :spoofed!x@y PRIVMSG tagged :to myself");
  expect(await c.expect(/ PRIVMSG /)).toBe(":tagged!~tagged@127.0.0.1 PRIVMSG tagged :to myself");
  expect(c.lines.some((line) => numeric("421").test(line))).toBe(false);
});

it("does not relay a lone CR inside a message, so no peer can be fooled into seeing two lines", async () => {
  const c = await irc.client("injector");
  c.sendRaw("PRIVMSG injector :first\rERROR :fake\r\n");
  expect(await c.expect(/ PRIVMSG /)).toBe(":injector!~injector@127.0.0.1 PRIVMSG injector :firstERROR :fake");
});

it("answers an unknown CAP subcommand with 410", async () => {
  const c = await irc.client("capper");
  c.send("CAP FROB");
  expect(await c.expect(numeric("410"))).toBe(":irc.local 410 capper FROB :Invalid CAP command");
});
