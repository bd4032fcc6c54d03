/**
 * An IRC network of three nodes sharing state through a real Redis (started
 * by the test on a free loopback port), with irc-framework clients and raw
 * clients spread over them: nicknames owned network-wide, channels, NAMES,
 * WHO, WHOIS and TOPIC across nodes, delivery exactly once in order, NICK
 * and QUIT seen everywhere, a fourth node killed with SIGKILL (its users
 * quit with `*.net *.split` once), and a Redis restart.
 */

import { Client, type MessageEvent } from "irc-framework";
import { describeWithPeers } from "../../../test-support/peers";
import { IrcProcess, buildExamples } from "../../fuzz/irc-process";
import { IrcServer } from "../server";
import { next } from "./irc-framework-events";
import { RawClient, numeric } from "./raw-client";
import { RedisProcess } from "./redis-process";

const PRESENCE_TIMEOUT = 1500;

describeWithPeers("redis-server", "an IRC network of three nodes over Redis", () => {
  let redis: RedisProcess;
  const nodes: IrcServer[] = [];
  const ports: number[] = [];
  const clients: Client[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    buildExamples();
    redis = await RedisProcess.start();
    for (const name of ["irc-a.local", "irc-b.local", "irc-c.local"]) {
      const node = new IrcServer({ redis: redis.url, serverName: name, networkName: "TestNet", presenceTimeout: PRESENCE_TIMEOUT, floodBurst: 500, floodRate: 500 });
      ports.push((await node.listen(0, "127.0.0.1")).port);
      nodes.push(node);
    }
  }, 180_000);

  afterEach(async () => {
    const violations = raws.flatMap((client) => client.violations);
    for (const raw of raws.splice(0)) raw.close();
    expect(violations).toEqual([]);
    await Promise.all(
      clients.splice(0).map((client) => {
        const closed = next(client, "close", () => true, 5000).catch(() => undefined);
        client.quit("test over");
        return closed;
      }),
    );
    // Every node's mirror forgets the users of the test before the next one takes the same nicknames.
    await waitFor(() => nodes.every((node) => [...node.network.clients].length === 0), 5000, "every node is empty");
  });

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await redis?.stop();
  });

  async function waitFor(test: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** An irc-framework client registered as `nick` on node `index`. */
  async function user(index: number, nick: string, port = ports[index]!): Promise<Client> {
    const client = new Client();
    clients.push(client);
    const registered = next<{ nick: string }>(client, "registered");
    client.connect({ host: "127.0.0.1", port, nick, username: nick, gecos: nick, auto_reconnect: false });
    expect((await registered).nick).toBe(nick);
    return client;
  }

  /** A raw client registered as `nick` on node `index`. */
  async function raw(index: number, nick: string): Promise<RawClient> {
    const client = await RawClient.connect(ports[index]!);
    raws.push(client);
    await client.register(nick);
    return client;
  }

  async function joined(client: Client, channel: string): Promise<void> {
    const join = next<{ nick: string; channel: string }>(client, "join", (e) => e.nick === client.user.nick && e.channel === channel);
    client.join(channel);
    await join;
  }

  /** Waits until every node sees `count` members on `channel`. */
  async function membersEverywhere(channel: string, count: number): Promise<void> {
    await waitFor(() => nodes.every((node) => node.network.findChannel(channel)?.members.size === count), 5000, `${count} members of ${channel} on every node`);
  }

  it("owns a nickname network-wide: a client on another node asking for it, in any case, gets 433", async () => {
    await user(0, "alice");
    const bob = await raw(1, "bob");
    bob.send("NICK alice");
    expect(await bob.expect(numeric("433"))).toBe(":irc-b.local 433 bob alice :Nickname is already in use");
    bob.send("NICK ALICE");
    await bob.expect(numeric("433"));
    const early = await RawClient.connect(ports[2]!);
    raws.push(early);
    early.send("NICK Alice", "USER x 0 * :x");
    expect(await early.expect(numeric("433"))).toBe(":irc-c.local 433 * Alice :Nickname is already in use");
  });

  it("shares channels: NAMES, WHO and WHOIS on any node show members wherever connected, and the topic with its setter", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await raw(2, "carol");
    await joined(alice, "#net");
    await joined(bob, "#net");
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
    expect(await carol.expect(numeric("333"))).toMatch(/^:irc-c\.local 333 carol #net alice!~alice@127\.0\.0\.1 \d+$/);
    // Modes are network-wide too: +m set on A keeps bob on B quiet.
    alice.mode("#net", "+m");
    await waitFor(() => nodes[1]!.network.findChannel("#net")?.moderated === true, 5000, "+m on node B");
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

    const privately = next<MessageEvent>(carol, "message", (e) => e.target === "carol");
    bob.say("carol", "just for you");
    expect(await privately).toMatchObject({ nick: "bob", message: "just for you" });
    const notice = next<MessageEvent>(alice, "message", (e) => e.type === "notice");
    carol.notice("alice", "a notice across");
    expect(await notice).toMatchObject({ nick: "carol", message: "a notice across" });
  });

  it("shows NICK changes and QUITs to everyone sharing a channel, on every node, and frees the nickname", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await user(2, "carol");
    for (const client of [alice, bob, carol]) await joined(client, "#moves");
    await membersEverywhere("#moves", 3);
    const seenByAlice = next<{ nick: string; new_nick: string }>(alice, "nick");
    const seenByCarol = next<{ nick: string; new_nick: string }>(carol, "nick");
    bob.changeNick("robert");
    expect(await seenByAlice).toMatchObject({ nick: "bob", new_nick: "robert" });
    expect(await seenByCarol).toMatchObject({ nick: "bob", new_nick: "robert" });
    await waitFor(() => nodes[0]!.network.findClient("robert") !== undefined, 5000, "robert known on A");
    const quitA = next<{ nick: string; message: string }>(alice, "quit");
    const quitC = next<{ nick: string; message: string }>(carol, "quit");
    bob.quit("bye all");
    expect(await quitA).toMatchObject({ nick: "robert", message: "Quit: bye all" });
    expect(await quitC).toMatchObject({ nick: "robert", message: "Quit: bye all" });
    await waitFor(() => nodes.every((node) => node.network.findClient("robert") === undefined), 5000, "robert gone everywhere");
    await user(2, "robert");
  });

  it("quits the users of a node killed with SIGKILL exactly once on every other node, with *.net *.split, once its presence expires", async () => {
    const alice = await user(0, "alice");
    const bob = await user(1, "bob");
    const carol = await user(2, "carol");
    for (const client of [alice, bob, carol]) await joined(client, "#split");
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
      clients.splice(clients.indexOf(dave), 1);
      const killedAt = Date.now();
      await fourth.kill();
      await waitFor(() => [...quits.values()].every((list) => list.length >= 1), PRESENCE_TIMEOUT * 4, "the split seen by everyone");
      const tookMs = Date.now() - killedAt;
      await new Promise((resolve) => setTimeout(resolve, PRESENCE_TIMEOUT)); // a second announcement would have come by now
      for (const list of quits.values()) expect(list).toEqual([{ nick: "dave", message: "*.net *.split" }].map((q) => expect.objectContaining(q)));
      expect(tookMs).toBeLessThan(PRESENCE_TIMEOUT * 4);
      await waitFor(() => nodes.every((node) => node.network.findChannel("#split")?.members.size === 3), 5000, "dave gone from #split");
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
    await redis.stop();
    await waitFor(() => nodes.every((node) => node.link?.up === false), 5000, "every node sees Redis down");

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
