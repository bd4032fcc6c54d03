/**
 * The pieces without a socket: message syntax, names, the token bucket,
 * settings and flags.
 */

import { foldName, isValidChannelName, isValidNick, matchesMask } from "../casemap";
import { TokenBucket } from "../flood";
import { optionsFromFlags } from "../index";
import { formatMessage, parseMessage } from "../message";
import { resolveSettings } from "../settings";

describe("parseMessage", () => {
  it("splits a command, middle parameters and a trailing parameter", () => {
    expect(parseMessage("privmsg #chan :hello  there: friend")).toEqual({ command: "PRIVMSG", params: ["#chan", "hello  there: friend"] });
    expect(parseMessage("USER guest 0 * :Real Name")).toEqual({ command: "USER", params: ["guest", "0", "*", "Real Name"] });
  });

  it("collapses runs of spaces between parameters and keeps an empty trailing parameter", () => {
    expect(parseMessage("  MODE   #chan   +o  bob  ")).toEqual({ command: "MODE", params: ["#chan", "+o", "bob"] });
    expect(parseMessage("TOPIC #chan :")).toEqual({ command: "TOPIC", params: ["#chan", ""] });
  });

  it("skips message tags and a prefix", () => {
    expect(parseMessage("@time=now;x=y :nick!u@h PING :tok")).toEqual({ command: "PING", params: ["tok"] });
  });

  it("returns null for a line without a command", () => {
    expect(parseMessage("")).toBeNull();
    expect(parseMessage("   ")).toBeNull();
    expect(parseMessage(":prefix-only")).toBeNull();
  });

  it("removes NUL and lone CR characters", () => {
    expect(parseMessage("PRIVMSG a :b\rc\0d")).toEqual({ command: "PRIVMSG", params: ["a", "bcd"] });
  });
});

describe("formatMessage", () => {
  it("writes the trailing parameter after a colon and ends the line with CR LF", () => {
    expect(formatMessage("n!u@h", "PRIVMSG", ["#c"], "hi")).toBe(":n!u@h PRIVMSG #c :hi\r\n");
    expect(formatMessage(null, "ERROR", [], "bye")).toBe("ERROR :bye\r\n");
  });

  it("adds a colon to a last middle parameter only when it needs one", () => {
    expect(formatMessage("s", "324", ["me", "#c", "+nt"])).toBe(":s 324 me #c +nt\r\n");
    expect(formatMessage("s", "X", ["a b"])).toBe(":s X :a b\r\n");
    expect(formatMessage("s", "X", [":x"])).toBe(":s X ::x\r\n");
    expect(formatMessage("s", "X", [""])).toBe(":s X :\r\n");
  });

  it("sends a malformed middle parameter as *", () => {
    expect(formatMessage("s", "401", ["me", ":evil", ""], "No such nick")).toBe(":s 401 me * * :No such nick\r\n");
  });

  it("cuts an over-long trailing parameter to fit 512 bytes, on a character boundary", () => {
    const line = formatMessage("nick!user@host", "PRIVMSG", ["#chan"], "€".repeat(400));
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512);
    expect(line.endsWith("€\r\n")).toBe(true);
    expect(Buffer.from(line).toString("utf8")).not.toContain("\uFFFD");
  });
});

describe("names", () => {
  it("folds case the RFC 1459 way", () => {
    expect(foldName("Nick[A]\\~")).toBe("nick{a}|^");
    expect(foldName("#Chan")).toBe(foldName("#cHAN"));
    expect(foldName("Élan")).toBe("Élan");
  });

  it("accepts RFC 2812 nicknames of up to 30 characters", () => {
    for (const nick of ["a", "Zed", "[away]", "x-1", "_under", "`tick`", "a".repeat(30)]) expect(isValidNick(nick)).toBe(true);
    for (const nick of ["", "1abc", "-dash", "has space", "a!b", "a@b", "#chan", "a".repeat(31), "é"]) expect(isValidNick(nick)).toBe(false);
  });

  it("accepts # channel names of up to 50 characters without spaces, commas, colons or BEL", () => {
    for (const name of ["#a", "#chat", "#über", `#${"c".repeat(49)}`]) expect(isValidChannelName(name)).toBe(true);
    for (const name of ["#", "chat", "&local", "#a b", "#a,b", "#a:b", "#a\x07", `#${"c".repeat(50)}`]) expect(isValidChannelName(name)).toBe(false);
  });

  it("matches WHO masks with * and ?, case-insensitively", () => {
    expect(matchesMask("al*", "Alice")).toBe(true);
    expect(matchesMask("?ob", "BOB")).toBe(true);
    expect(matchesMask("a.c", "abc")).toBe(false);
    expect(matchesMask("[x]*", "{X}y")).toBe(true);
  });
});

describe("TokenBucket", () => {
  it("allows a burst, refuses the next line, and refills at its rate", () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it("rejects a burst below 1 or a rate of 0", () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});

describe("settings", () => {
  it("fills in defaults and keeps given values", () => {
    const settings = resolveSettings({ pingInterval: 5000, password: undefined });
    expect(settings.pingInterval).toBe(5000);
    expect(settings.pingTimeout).toBe(60_000);
    expect(settings.password).toBeNull();
    expect(settings.motd?.length).toBeGreaterThan(0);
  });

  it("names a bad option", () => {
    expect(() => resolveSettings({ floodRate: 0 })).toThrow(/options\.floodRate/);
    expect(() => resolveSettings({ serverName: "two words" })).toThrow(/options\.serverName/);
    expect(() => resolveSettings({ password: "" })).toThrow(/options\.password/);
  });

  it("treats an empty MOTD as none", () => {
    expect(resolveSettings({ motd: [] }).motd).toBeNull();
  });

  it("reads --password, --motd none and intervals in seconds from the command line", () => {
    expect(optionsFromFlags({ password: "pw", motd: "none", "ping-interval": "30", "ping-timeout": "2.5", port: "6667" })).toEqual({
      password: "pw",
      motd: null,
      pingInterval: 30_000,
      pingTimeout: 2500,
    });
    expect(() => optionsFromFlags({ "ping-timeout": "soon" })).toThrow(/--ping-timeout/);
  });

  it("reads the receive queue, the flood limit and the close timeout from the command line", () => {
    expect(optionsFromFlags({ recvq: "4096", "flood-burst": "50", "flood-rate": "10", "close-timeout": "0.5" })).toEqual({
      maxReceiveQueue: 4096,
      floodBurst: 50,
      floodRate: 10,
      closeTimeout: 500,
    });
    expect(() => optionsFromFlags({ recvq: "lots" })).toThrow(/--recvq/);
    expect(() => optionsFromFlags({ "flood-rate": "0" })).toThrow(/--flood-rate/);
  });
});
