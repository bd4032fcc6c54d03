/**
 * The message grammar check the other tests run over every reply: it
 * accepts well-formed lines and names what is wrong with the others.
 */

import { checkServerLine, parseLine } from "./grammar";

describe("the IRC message grammar check", () => {
  it.each([
    ":irc.local 001 bob :Welcome to the network bob!~bob@127.0.0.1",
    ":irc.local 004 bob irc.local v1 i biklmnotv bklov",
    ":bob!~bob@127.0.0.1 NICK :bobby",
    ":bob!~bob@127.0.0.1 PRIVMSG #c :hello :) there",
    ":bob!~bob@0::1 JOIN #c",
    ":bob!~bob@127.0.0.1 PART #c",
    ":bob!~bob@127.0.0.1 PART #c :bye",
    ":bob!~bob@127.0.0.1 MODE #c +kl key 5",
    ":irc.local 333 bob #c bob!~bob@127.0.0.1 1700000000",
    ":irc.local 303 bob :",
    "ERROR :Closing Link: 127.0.0.1 (Excess Flood)",
    "PING :irc.local",
  ])("accepts %s", (line) => {
    expect(checkServerLine(line, "bob")).toBeNull();
  });

  it.each([
    [":bob!~bob@127.0.0.1 NICK bobby", /NICK whose last parameter is not in the trailing form/],
    [":bob!~bob@127.0.0.1 PRIVMSG #c hello", /PRIVMSG whose last parameter/],
    [":bob!~bob@127.0.0.1 KICK #c ann reason", /KICK whose reason/],
    [":irc.local 403 bob #c No", /does not end in a trailing parameter/],
    [":irc.local 401 ann nobody :No such nick", /not to "bob"/],
    [":irc.local 403 bob  #c :No such channel", /empty middle parameter/],
    [":irc.local 403 bob #c :No such channel\r", /NUL, CR or LF/],
    [":irc.local PRIV-MSG #c :x", /neither letters nor three digits/],
    [":bob!~b ob@h PRIVMSG #c :x", /neither letters|malformed|nickname/],
    [":1bob!~bob@h PRIVMSG #c :x", /prefix nickname/],
    [`:irc.local 005 bob ${Array.from({ length: 14 }, (_, i) => `T${i}=1`).join(" ")} :are supported`, /more than 15/],
    [`:irc.local 372 bob :${"x".repeat(500)}`, /more than 512/],
    ["001 bob :Welcome", /without the server as its prefix/],
  ])("rejects %s", (line, why) => {
    expect(checkServerLine(line, "bob")).toMatch(why);
  });

  it("splits a line into prefix, command and parameters, telling a trailing last parameter", () => {
    expect(parseLine(":n!u@h PRIVMSG #c :a b")).toEqual({ prefix: "n!u@h", command: "PRIVMSG", params: ["#c", "a b"], trailing: true });
    expect(parseLine("JOIN #c")).toEqual({ prefix: null, command: "JOIN", params: ["#c"], trailing: false });
  });
});
