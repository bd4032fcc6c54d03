/**
 * An IRC network of three nodes sharing state through a real Redis (started
 * by the test on a free loopback port), with irc-framework clients and raw
 * clients spread over them: nicknames owned network-wide, channels, NAMES,
 * WHO, WHOIS and TOPIC across nodes, delivery exactly once in order, NICK
 * and QUIT seen everywhere, a fourth node killed with SIGKILL (its users
 * quit with `*.net *.split` once), and a Redis restart.
 */

import type { Client, MessageEvent } from "irc-framework";
import { describeWithPeers } from "../../../test-support/peers";
import { IrcProcess } from "../../fuzz/irc-process";
import { next } from "./irc-framework-events";
import { PRESENCE_TIMEOUT, threeNodes, waitFor } from "./network-fixture";
import { numeric } from "./raw-client";

describeWithPeers("redis-server", "an IRC network of three nodes over Redis", () => {
  const network = threeNodes({ floodBurst: 500, floodRate: 500 });
  const { nodes, user, raw, joined, membersEverywhere } = network;

  it("owns a nickname network-wide: a client on another node asking for it, in any case, gets 433", async () => {
    await user(0, "alice");
    const bob = await raw(1, "bob");
    bob.send("NICK alice");
    expect(await bob.expect(numeric("433"))).toBe(":irc-b.local 433 bob alice :Nickname is already in use");
    bob.send("NICK ALICE");
    await bob.expect(numeric("433"));
    const early = await network.connect(2);
    early.send("NICK Alice", "USER x 0 * :x");
    expect(await early.expect(numeric("433"))).toBe(":irc-c.local 433 * Alice :Nickname is already in use");
    // rfc1459 case mapping across nodes: [ ] \ are the upper case of { } |.
    await raw(0, "dan{x}|");
    bob.send("NICK DAN[X]\\");
    expect(await bob.expect(numeric("433"))).toBe(":irc-b.local 433 bob DAN[X]\\ :Nickname is already in use");
  });

  it("gives a nickname asked for on two nodes at the same moment to exactly one of them", async () => {
    for (let round = 0; round < 5; round++) {
      const [onA, onC] = await Promise.all([network.connect(0), network.connect(2)]);
      onA.send(`NICK racer${round}`, "USER r 0 * :r");
      onC.send(`NICK RACER${round}`, "USER r 0 * :r");
      const outcomes = await Promise.all([onA, onC].map((client) => client.expect(/^:\S+ (001|433) /, 10_000)));
      expect(outcomes.map((line) => line.split(" ")[1]).sort()).toEqual(["001", "433"]);
    }
  });

  it("shares channels: NAMES, WHO and WHOIS on any node show members wherever connected, and the topic with its setter", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await raw(2, "carol");
    await joined(alice, "#net");
    await membersEverywhere("#net", 1);
    await joined(bob, "#net");
    // C must know both before carol's JOIN answers with NAMES.
    await membersEverywhere("#net", 2);
    carol.send("JOIN #net");
    expect(await carol.expect(numeric("353"))).toBe(":irc-c.local 353 carol = #net :@alice bob carol");
    await membersEverywhere("#net", 3);
    carol.send("WHO #net");
    expect(await carol.expect(numeric("352"))).toBe(":irc-c.local 352 carol #net ~alice 127.0.0.1 irc-a.local alice H@ :0 alice");
    expect(await carol.expect(numeric("352"))).toBe(":irc-c.local 352 carol #net ~bob 127.0.0.1 irc-b.local bob H :0 bob");
    carol.send("WHOIS alice");
    expect(await carol.expect(numeric("312"))).toBe(":irc-c.local 312 carol alice irc-a.local :TestNet IRC server");
    const topicSeen = next<{ topic: string; nick: string }>(bob, "topic", (e) => e.topic === "across the network");
    alice.setTopic("#net", "across the network");
    expect(await topicSeen).toMatchObject({ nick: "alice" });
    await carol.expect(/ TOPIC #net :across the network$/);
    carol.send("TOPIC #net");
    expect(await carol.expect(numeric("332"))).toBe(":irc-c.local 332 carol #net :across the network");
    const setAt = Number((await carol.expect(numeric("333"))).split(" ").pop());
    expect(Math.abs(setAt - Date.now() / 1000)).toBeLessThan(60);
    // The same setter and time on every node; and the channel's creation time (329) too.
    const dan = await raw(1, "dan");
    dan.send("TOPIC #net", "MODE #net");
    expect(await dan.expect(numeric("333"))).toBe(`:irc-b.local 333 dan #net alice!~alice@127.0.0.1 ${setAt}`);
    const createdOnB = (await dan.expect(numeric("329"))).split(" ").pop();
    carol.send("MODE #net");
    expect((await carol.expect(numeric("329"))).split(" ").pop()).toBe(createdOnB);
    // LUSERS counts the network's servers and users, and this server's own.
    await waitFor(() => nodes[2]!.network.findClient("dan") !== undefined, 10_000, "dan known on C");
    carol.send("LUSERS");
    expect(await carol.expect(numeric("251"))).toBe(":irc-c.local 251 carol :There are 4 users and 0 invisible on 3 servers");
    expect(await carol.expect(numeric("255"))).toBe(":irc-c.local 255 carol :I have 1 clients and 2 servers");
    expect(await carol.expect(numeric("265"))).toMatch(/^:irc-c\.local 265 carol 1 \d+ :Current local users 1, max \d+$/);
    expect(await carol.expect(numeric("266"))).toMatch(/^:irc-c\.local 266 carol 4 \d+ :Current global users 4, max \d+$/);
    // Modes are network-wide too: +m set on A keeps bob on B quiet.
    alice.mode("#net", "+m");
    await waitFor(() => nodes[1]!.network.findChannel("#net")?.moderated === true, 10_000, "+m on node B");
    const refused = next<{ error: string }>(bob, "irc error");
    bob.say("#net", "am I heard?");
    expect(await refused).toMatchObject({ error: "cannot_send_to_channel" });
  });

  it("delivers channel messages exactly once to every member on every node, in the order sent, never to the sender; and private messages across nodes", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await user(2, "carol");
    for (const client of [alice, bob, carol]) await joined(client, "#order");
    await membersEverywhere("#order", 3);
    const received = new Map<string, string[]>([["alice", []], ["bob", []], ["carol", []]]);
    for (const client of [alice, bob, carol]) {
      client.on("message", (event: MessageEvent) => {
        if (event.target === "#order") received.get(client.user.nick)!.push(`${event.nick}:${event.message}`);
      });
    }
    const count = 200;
    for (let i = 0; i < count; i++) alice.say("#order", `m${i}`);
    for (let i = 0; i < count; i++) carol.say("#order", `c${i}`);
    await waitFor(() => received.get("bob")!.length === 2 * count && received.get("carol")!.length === count && received.get("alice")!.length === count, 10_000, "every message delivered");
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more (no duplicates) arrives
    const fromAlice = Array.from({ length: count }, (_, i) => `alice:m${i}`);
    const fromCarol = Array.from({ length: count }, (_, i) => `carol:c${i}`);
    expect(received.get("bob")!.filter((m) => m.startsWith("alice:"))).toEqual(fromAlice);
    expect(received.get("bob")!.filter((m) => m.startsWith("carol:"))).toEqual(fromCarol);
    expect(received.get("carol")).toEqual(fromAlice);
    expect(received.get("alice")).toEqual(fromCarol);

    // Private messages across nodes, in the order sent.
    const privately: string[] = [];
    carol.on("message", (e: MessageEvent) => {
      if (e.target === "carol") privately.push(`${e.nick}:${e.message}`);
    });
    for (let i = 0; i < count; i++) bob.say("carol", `p${i}`);
    await waitFor(() => privately.length >= count, 10_000, "every private message delivered");
    expect(privately).toEqual(Array.from({ length: count }, (_, i) => `bob:p${i}`));
    // A NOTICE to the channel reaches each other member once.
    const notices = new Map<string, number>([["alice", 0], ["bob", 0], ["carol", 0]]);
    for (const client of [alice, bob, carol]) {
      client.on("message", (e: MessageEvent) => {
        if (e.type === "notice" && e.target === "#order") notices.set(client.user.nick, notices.get(client.user.nick)! + 1);
      });
    }
    bob.notice("#order", "a channel notice");
    await waitFor(() => notices.get("alice") === 1 && notices.get("carol") === 1, 10_000, "the channel notice delivered");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Object.fromEntries(notices)).toEqual({ alice: 1, bob: 0, carol: 1 });
    const notice = next<MessageEvent>(alice, "message", (e) => e.type === "notice");
    carol.notice("alice", "a notice across");
    expect(await notice).toMatchObject({ nick: "carol", message: "a notice across" });
  });

  it("shows NICK changes and QUITs once to everyone sharing a channel, on every node, and frees the nickname", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await user(2, "carol");
    for (const client of [alice, bob, carol]) await joined(client, "#moves");
    await membersEverywhere("#moves", 3);
    const seen: string[] = [];
    for (const client of [alice, carol]) {
      client.on("nick", (e: { nick: string; new_nick: string }) => seen.push(`${client.user.nick} saw ${e.nick} NICK ${e.new_nick}`));
      client.on("quit", (e: { nick: string; message: string }) => seen.push(`${client.user.nick} saw ${e.nick} QUIT ${e.message}`));
    }
    const seenByAlice = next<{ nick: string; new_nick: string }>(alice, "nick");
    const seenByCarol = next<{ nick: string; new_nick: string }>(carol, "nick");
    bob.changeNick("robert");
    expect(await seenByAlice).toMatchObject({ nick: "bob", new_nick: "robert" });
    expect(await seenByCarol).toMatchObject({ nick: "bob", new_nick: "robert" });
    await waitFor(() => nodes[0]!.network.findClient("robert") !== undefined, 10_000, "robert known on A");
    const quitA = next<{ nick: string; message: string }>(alice, "quit");
    const quitC = next<{ nick: string; message: string }>(carol, "quit");
    bob.quit("bye all");
    expect(await quitA).toMatchObject({ nick: "robert", message: "Quit: bye all" });
    expect(await quitC).toMatchObject({ nick: "robert", message: "Quit: bye all" });
    await waitFor(() => nodes.every((node) => node.network.findClient("robert") === undefined), 10_000, "robert gone everywhere");
    await user(2, "robert");
    // Once each: the node that replays another's change does not show it again.
    expect(seen.sort()).toEqual(["alice saw bob NICK robert", "alice saw robert QUIT Quit: bye all", "carol saw bob NICK robert", "carol saw robert QUIT Quit: bye all"]);
  });

  it("quits the users of a node killed with SIGKILL exactly once on every other node, with *.net *.split, once its presence expires", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await user(2, "carol");
    for (const client of [alice, bob, carol]) await joined(client, "#split");
    const redis = network.redis();
    const fourth = await IrcProcess.start(["--redis", redis.url, "--server-name", "irc-d.local", "--network", "TestNet", "--presence-timeout", String(PRESENCE_TIMEOUT / 1000)]);
    try {
      const dave = await user(3, "dave", fourth.port);
      await joined(dave, "#split");
      await membersEverywhere("#split", 4);
      const quits = new Map<string, Array<{ nick: string; message: string }>>();
      for (const client of [alice, bob, carol]) {
        quits.set(client.user.nick, []);
        client.on("quit", (event: { nick: string; message: string }) => quits.get(client.user.nick)!.push(event));
      }
      network.forget(dave);
      const killedAt = Date.now();
      await fourth.kill();
      await waitFor(() => [...quits.values()].every((list) => list.length >= 1), PRESENCE_TIMEOUT * 4, "the split seen by everyone");
      const tookMs = Date.now() - killedAt;
      await new Promise((resolve) => setTimeout(resolve, PRESENCE_TIMEOUT)); // a second announcement would have come by now
      for (const list of quits.values()) expect(list).toEqual([{ nick: "dave", message: "*.net *.split" }].map((q) => expect.objectContaining(q)));
      expect(tookMs).toBeLessThan(PRESENCE_TIMEOUT * 4);
      await waitFor(() => nodes.every((node) => node.network.findChannel("#split")?.members.size === 3), 10_000, "dave gone from #split");
      // The nickname is free again.
      await user(1, "dave");
    } finally {
      await fourth.kill();
    }
  }, 60_000);

  it("keeps serving local clients while Redis is down, tells a sender its words did not leave, and delivers across nodes again after Redis restarts", async () => {
    const alice = await user(0, "alice");
    const anna = await user(0, "anna");
    const bob = await user(1, "bob");
    for (const client of [alice, anna, bob]) await joined(client, "#outage");
    await membersEverywhere("#outage", 3);
    const redis = network.redis();
    await redis.stop();
    await waitFor(() => nodes.every((node) => node.link?.up === false), 10_000, "every node sees Redis down");

    const local = next<MessageEvent>(anna, "message", (e) => e.target === "#outage");
    const warned = next<MessageEvent>(alice, "message", (e) => e.type === "notice" && e.message.includes("Not delivered to users on other servers"));
    let bobGot = 0;
    bob.on("message", (e: MessageEvent) => {
      if (e.message === "during the outage") bobGot++;
    });
    alice.say("#outage", "during the outage");
    expect(await local).toMatchObject({ nick: "alice", message: "during the outage" });
    await warned;

    const restartedAt = Date.now();
    await redis.restart();
    await waitFor(() => nodes.every((node) => node.link?.up === true), 10_000, "every node reconnected");
    // Re-asserted: the nicknames are owned again, and the network still knows every member.
    await waitFor(() => nodes.every((node) => node.network.findChannel("#outage")?.members.size === 3), 10_000, "memberships re-asserted");
    const after = next<MessageEvent>(bob, "message", (e) => e.message === "after the restart", 10_000);
    alice.say("#outage", "after the restart");
    await after;
    expect(Date.now() - restartedAt).toBeLessThan(10_000);
    expect(bobGot).toBe(0);
    const intruder = await raw(2, "intruder");
    intruder.send("NICK alice");
    await intruder.expect(numeric("433"));
  }, 60_000);
});
