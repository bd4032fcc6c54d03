/**
 * Byte-level conversations reproducing what ii and irssi send and how they
 * read the answers (neither is an npm package): ii takes the text of every
 * message, a new nickname included, from the trailing parameter; irssi
 * syncs a channel with MODE, WHO and the ban list after joining, polls ISON
 * for /notify, sends `AWAY :message` and reads mode parameters according to
 * the `CHANMODES` and `PREFIX` of 005.
 */

import { type RawClient, numeric, testServer } from "./raw-client";
import { parseLine } from "./grammar";

type TestServer = Awaited<ReturnType<typeof testServer>>;

let irc: TestServer;
beforeAll(async () => {
  irc = await testServer();
});
afterAll(() => irc.stop());

/** The text ii shows for a line: what follows the first ` :` after the prefix (ii's TOK_TEXT), or "" when there is none. */
function iiText(line: string): string {
  const body = line.startsWith(":") ? line.slice(line.indexOf(" ") + 1) : line;
  const at = body.indexOf(" :");
  return at < 0 ? "" : body.slice(at + 2);
}

/** ii's registration: NICK, then USER with its host and real name. */
async function iiConnect(nick: string): Promise<RawClient> {
  const client = await irc.connect();
  client.sendRaw(`NICK ${nick}\r\nUSER ${nick} localhost 127.0.0.1 :${nick}\r\n`);
  await client.expect(/^:\S+ (376|422) /);
  return client;
}

/** irssi's registration: CAP LS 302 first, NICK and USER, CAP END once the (empty) list has come. */
async function irssiConnect(nick: string): Promise<RawClient> {
  const client = await irc.connect();
  client.sendRaw(`CAP LS 302\r\nNICK ${nick}\r\nUSER ${nick} ${nick} 127.0.0.1 :${nick} irssi\r\n`);
  await client.expect(/^:\S+ CAP \* LS :$/);
  client.sendRaw("CAP END\r\n");
  await client.expect(/^:\S+ (376|422) /);
  return client;
}

/**
 * Mode changes as irssi reads them: letters in the first three `CHANMODES`
 * groups and the `PREFIX` letters take a parameter (the third group only
 * when set), the fourth group never.
 */
function parseModes(chanmodes: string, prefix: string, modes: string, args: string[]): Array<[string, string | null]> {
  const [lists = "", always = "", whenSet = ""] = chanmodes.split(",");
  const prefixModes = /^\(([^)]*)\)/.exec(prefix)?.[1] ?? "";
  const out: Array<[string, string | null]> = [];
  let sign = "+";
  let next = 0;
  for (const letter of modes) {
    if (letter === "+" || letter === "-") {
      sign = letter;
      continue;
    }
    const takes = lists.includes(letter) || always.includes(letter) || prefixModes.includes(letter) || (sign === "+" && whenSet.includes(letter));
    out.push([sign + letter, takes ? (args[next++] ?? null) : null]);
  }
  return out;
}

/** The value of an ISUPPORT token from the 005 lines a client received. */
function isupport(client: RawClient, name: string): string {
  for (const line of client.lines) {
    if (!/^:\S+ 005 /.test(line)) continue;
    const parsed = parseLine(line);
    if (typeof parsed === "string") throw new Error(parsed);
    for (const token of parsed.params.slice(1, -1)) if (token.startsWith(`${name}=`)) return token.slice(name.length + 1);
  }
  throw new Error(`no ${name} in 005`);
}

describe("ii", () => {
  it("shows a nick change, a message, a part reason and a quit from the trailing parameter", async () => {
    const watcher = await iiConnect("iiwatch");
    const other = await iiConnect("iiother");
    for (const c of [watcher, other]) {
      c.sendRaw("JOIN #ii\r\n");
      await c.expect(numeric("366"));
    }
    other.sendRaw("NICK iirenamed\r\n");
    expect(iiText(await watcher.expect(/ NICK /))).toBe("iirenamed");
    other.sendRaw("PRIVMSG #ii :hello: with a colon\r\n");
    expect(iiText(await watcher.expect(/ PRIVMSG /))).toBe("hello: with a colon");
    other.sendRaw("PART #ii :bye for now\r\n");
    expect(iiText(await watcher.expect(/ PART /))).toBe("bye for now");
    other.sendRaw("JOIN #ii\r\n");
    await other.expect(numeric("366"));
    other.sendRaw("QUIT :gone\r\n");
    expect(iiText(await watcher.expect(/ QUIT /))).toBe("Quit: gone");
    await other.waitForClose();
  });
});

describe("irssi", () => {
  it("syncs a channel after JOIN with MODE, WHO and MODE b, each answered in full", async () => {
    const c = await irssiConnect("irssiuser");
    c.sendRaw("JOIN #irssi\r\n");
    await c.expect(numeric("366"));
    c.sendRaw("MODE #irssi\r\nWHO #irssi\r\nMODE #irssi b\r\n");
    expect(await c.expect(numeric("324"))).toBe(":irc.local 324 irssiuser #irssi +nt");
    expect(await c.expect(numeric("329"))).toMatch(/^:irc\.local 329 irssiuser #irssi \d+$/);
    expect(await c.expect(numeric("352"))).toBe(":irc.local 352 irssiuser #irssi ~irssiuser 127.0.0.1 irc.local irssiuser H@ :0 irssiuser irssi");
    expect(await c.expect(numeric("315"))).toBe(":irc.local 315 irssiuser #irssi :End of /WHO list.");
    expect(await c.expect(numeric("368"))).toBe(":irc.local 368 irssiuser #irssi :End of channel ban list");
  });

  it("parses +k and +v with their parameters using the CHANMODES and PREFIX it was given, not as flags", async () => {
    const op = await irssiConnect("irssiop");
    const other = await irssiConnect("irssivoice");
    for (const c of [op, other]) {
      c.sendRaw("JOIN #irssimodes\r\n");
      await c.expect(numeric("366"));
    }
    op.sendRaw("MODE #irssimodes +kv sekrit irssivoice\r\n");
    const line = await other.expect(/ MODE /);
    const parsed = parseLine(line);
    if (typeof parsed === "string") throw new Error(parsed);
    const [, modes, ...args] = parsed.params as [string, string, ...string[]];
    expect(parseModes(isupport(other, "CHANMODES"), isupport(other, "PREFIX"), modes, args)).toEqual([
      ["+k", "sekrit"],
      ["+v", "irssivoice"],
    ]);
  });

  it("polls ISON for /notify and marks itself away only when the server says 306", async () => {
    const c = await irssiConnect("irssinotify");
    await irssiConnect("friend");
    c.sendRaw("ISON :friend stranger\r\n");
    expect(await c.expect(numeric("303"))).toBe(":irc.local 303 irssinotify :friend");
    c.sendRaw("AWAY :not here\r\n");
    expect(await c.expect(numeric("306"))).toBe(":irc.local 306 irssinotify :You have been marked as being away");
    c.sendRaw("AWAY\r\n");
    expect(await c.expect(numeric("305"))).toBe(":irc.local 305 irssinotify :You are no longer marked as being away");
  });

  it("gets its user mode echoed with its full prefix", async () => {
    const c = await irssiConnect("irssimode");
    c.sendRaw("MODE irssimode +i\r\n");
    expect(await c.expect(/ MODE /)).toBe(":irssimode!~irssimode@127.0.0.1 MODE irssimode +i");
  });
});
