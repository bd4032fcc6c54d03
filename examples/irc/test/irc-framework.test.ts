/**
 * The server against a real client library, irc-framework: registration,
 * channel messages both ways, a nick change and a quit seen by the other;
 * and what irc-framework makes of the replies clients tripped over: AWAY
 * (305/306, 301, WHO and WHOIS), ISON, INVITE and +i, bans, keys, voice and
 * moderation as its mode parser reads them from 005 (`CHANMODES`,
 * `PREFIX`), and 333's full mask.
 */

import { Client, type ConnectOptions, type MessageEvent } from "irc-framework";
import { next } from "./irc-framework-events";
import { IrcServer } from "../server";

let server: IrcServer;
let port: number;
const clients: Client[] = [];

beforeAll(async () => {
  server = new IrcServer();
  ({ port } = await server.listen(0, "127.0.0.1"));
});

afterEach(async () => {
  // Wait for the server to close each connection, so the next test can take the same nicknames.
  await Promise.all(
    clients.splice(0).map((client) => {
      const closed = next(client, "close");
      client.quit("test over");
      return closed;
    }),
  );
});

afterAll(async () => {
  await server.close();
});

async function connected(nick: string): Promise<Client> {
  const client = new Client();
  clients.push(client);
  const options: ConnectOptions = { host: "127.0.0.1", port, nick, username: nick, gecos: `${nick} of irc-framework`, auto_reconnect: false };
  const registered = next<{ nick: string }>(client, "registered");
  client.connect(options);
  expect((await registered).nick).toBe(nick);
  return client;
}

async function joined(client: Client, channel: string): Promise<void> {
  const join = next<{ nick: string; channel: string }>(client, "join", (e) => e.nick === client.user.nick && e.channel === channel);
  client.join(channel);
  await join;
}

describe("irc-framework clients", () => {
  it("registers a client, which gets the welcome with its nickname", async () => {
    const alice = await connected("alice");
    expect(alice.user.nick).toBe("alice");
  });

  it("lets two clients on a channel exchange messages in both directions", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#chat");
    const bobSeen = next<{ nick: string }>(alice, "join", (e) => e.nick === "bob");
    await joined(bob, "#chat");
    await bobSeen;

    const toBob = next<MessageEvent>(bob, "message", (e) => e.nick === "alice");
    alice.say("#chat", "hello bob, how are you?");
    const received = await toBob;
    expect(received).toMatchObject({ type: "privmsg", target: "#chat", message: "hello bob, how are you?", ident: "~alice" });

    const toAlice = next<MessageEvent>(alice, "message", (e) => e.nick === "bob");
    bob.say("#chat", "fine thanks: 100% €uro-proof");
    expect(await toAlice).toMatchObject({ type: "privmsg", target: "#chat", message: "fine thanks: 100% €uro-proof" });

    const notice = next<MessageEvent>(bob, "message", (e) => e.type === "notice");
    alice.notice("bob", "a private notice");
    expect(await notice).toMatchObject({ nick: "alice", target: "bob", message: "a private notice" });
  });

  it("shows a nick change to the other member of a channel and to the client itself", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#nicks");
    await joined(bob, "#nicks");

    const seenByBob = next<{ nick: string; new_nick: string }>(bob, "nick");
    const seenByAlice = next<{ nick: string; new_nick: string }>(alice, "nick");
    alice.changeNick("alicia");
    expect(await seenByBob).toMatchObject({ nick: "alice", new_nick: "alicia" });
    expect(await seenByAlice).toMatchObject({ nick: "alice", new_nick: "alicia" });

    // Messages now come from the new nickname.
    const message = next<MessageEvent>(bob, "message");
    alice.say("#nicks", "it is me");
    expect(await message).toMatchObject({ nick: "alicia", message: "it is me" });
  });

  it("tells the other member of a channel when a client quits, with its message", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#quits");
    await joined(bob, "#quits");

    const quit = next<{ nick: string; message: string }>(alice, "quit");
    const closed = next(bob, "close");
    bob.quit("see you later");
    clients.splice(clients.indexOf(bob), 1);
    expect(await quit).toMatchObject({ nick: "bob", message: "Quit: see you later" });
    await closed;
  });
});

/** What irc-framework parses a MODE line into. */
interface ModeEvent {
  target: string;
  nick: string;
  modes: Array<{ mode: string; param: string | null }>;
}

describe("irc-framework clients and the commands and modes of issue 15", () => {
  it("reads CHANMODES and PREFIX from 005 so that +k, +l, +b and +v parse with their parameters", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#params");
    await joined(bob, "#params");
    const options = (alice as unknown as { network: { options: Record<string, unknown> } }).network.options;
    expect(options.CHANMODES).toEqual(["b", "k", "l", "imnt"]);
    expect(options.PREFIX).toEqual([
      { symbol: "@", mode: "o" },
      { symbol: "+", mode: "v" },
    ]);
    const seen = next<ModeEvent>(bob, "mode", (e) => e.target === "#params");
    alice.raw("MODE", "#params", "+klbv", "sekrit", "10", "carol", "bob");
    expect((await seen).modes).toEqual([
      { mode: "+k", param: "sekrit" },
      { mode: "+l", param: "10" },
      { mode: "+b", param: "carol!*@*" },
      { mode: "+v", param: "bob" },
    ]);
  });

  it("reports AWAY: its own 306 and 305, 301 to whoever messages it, away in WHO and WHOIS", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#away");
    await joined(bob, "#away");
    const nowAway = next<{ self: boolean; nick: string }>(alice, "away", (e) => e.self);
    alice.raw("AWAY", "out for lunch");
    expect(await nowAway).toMatchObject({ self: true, nick: "alice" });

    const told = next<{ self: boolean; nick: string; message: string }>(bob, "away", (e) => !e.self);
    bob.say("alice", "ping?");
    expect(await told).toMatchObject({ nick: "alice", message: "out for lunch" });

    const whois = await new Promise<{ away?: string; channels?: string }>((resolve) => bob.whois("alice", resolve));
    expect(whois.away).toBe("out for lunch");
    const who = await new Promise<{ users: Array<{ nick: string; away: boolean; channel_modes: string[] }> }>((resolve) => bob.who("#away", resolve));
    expect(who.users.map((u) => [u.nick, u.away, u.channel_modes])).toEqual([
      ["alice", true, ["o"]],
      ["bob", false, []],
    ]);

    const back = next<{ self: boolean }>(alice, "back", (e) => e.self);
    alice.raw("AWAY");
    await back;
  });

  it("answers ISON as irssi's /notify polls it", async () => {
    const alice = await connected("alice");
    await connected("bob");
    const online = next<{ nicks: string[] }>(alice, "users online");
    alice.raw("ISON", "bob", "nobody", "alice");
    expect((await online).nicks).toEqual(["bob", "alice"]);
  });

  it("invites into a +i channel: 473 before, 341 to the inviter, INVITE to the invitee, then the join succeeds", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#private");
    const modeSet = next<ModeEvent>(alice, "mode");
    alice.mode("#private", "+i");
    await modeSet;

    const refused = next<{ error: string; channel: string }>(bob, "irc error");
    bob.join("#private");
    expect(await refused).toMatchObject({ error: "invite_only_channel", channel: "#private" });

    const inviting = next<{ nick: string; channel: string }>(alice, "invited");
    const invite = next<{ nick: string; invited: string; channel: string }>(bob, "invite");
    alice.invite("#private", "bob");
    expect(await inviting).toMatchObject({ nick: "bob", channel: "#private" });
    expect(await invite).toMatchObject({ nick: "alice", invited: "bob", channel: "#private" });
    await joined(bob, "#private");
  });

  it("bans with +b: the ban list with its setter, 474 on JOIN, and a key asked for on JOIN", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#guarded");
    const banned = next<ModeEvent>(alice, "mode");
    alice.ban("#guarded", "bob");
    await banned;
    const list = await new Promise<{ bans: Array<{ banned: string; banned_by: string }> }>((resolve) => alice.banlist("#guarded", resolve));
    expect(list.bans).toEqual([expect.objectContaining({ banned: "bob!*@*", banned_by: "alice!~alice@127.0.0.1" })]);

    const refused = next<{ error: string }>(bob, "irc error");
    bob.join("#guarded");
    expect(await refused).toMatchObject({ error: "banned_from_channel" });

    const keyed = next<ModeEvent>(alice, "mode", (e) => e.modes.some((m) => m.mode === "+k"));
    alice.unban("#guarded", "bob");
    alice.mode("#guarded", "+k", "sekrit");
    await keyed;
    const badKey = next<{ error: string }>(bob, "irc error");
    bob.join("#guarded");
    expect(await badKey).toMatchObject({ error: "bad_channel_key" });
    const join = next<{ nick: string; channel: string }>(bob, "join", (e) => e.nick === "bob");
    bob.join("#guarded", "sekrit");
    await join;
  });

  it("shows who set the topic as a full mask that irc-framework splits into nick, ident and host", async () => {
    const alice = await connected("alice");
    const bob = await connected("bob");
    await joined(alice, "#topics");
    const set = next<{ topic: string }>(alice, "topic");
    alice.setTopic("#topics", "all about masks");
    await set;
    const setBy = next<{ nick: string; ident: string; hostname: string; channel: string }>(bob, "topicsetby");
    bob.join("#topics");
    expect(await setBy).toMatchObject({ nick: "alice", ident: "~alice", hostname: "127.0.0.1", channel: "#topics" });
  });
});
