/**
 * The rules of a lone server hold on a network of three nodes over Redis,
 * with the clients concerned on different nodes: channel modes set on one
 * node are enforced on the others (+t and +o, +k, +l, +i and INVITE, +b,
 * +m and +v), PART and KICK are seen everywhere, and the limits hold for
 * every client wherever the channel was made: nickname and channel name
 * lengths, the number of channels a client may join, flood control (its
 * peers on other nodes see the QUIT).
 */

import { describeWithPeers } from "../../../test-support/peers";
import type { Channel } from "../channel";
import { next } from "./irc-framework-events";
import { threeNodes, waitFor } from "./network-fixture";
import { numeric } from "./raw-client";

const MAX_CHANNELS = 4;

describeWithPeers("redis-server", "an IRC network of three nodes: modes and limits across nodes", () => {
  jest.setTimeout(30_000);
  const network = threeNodes({ maxChannelsPerClient: MAX_CHANNELS, floodBurst: 50, floodRate: 4 });
  const { nodes, user, raw, joined, membersEverywhere } = network;

  /** Waits until node `index` sees `test` hold of channel `name`. */
  async function onNode(index: number, name: string, test: (channel: Channel) => boolean, what: string): Promise<void> {
    await waitFor(() => {
      const channel = nodes[index]!.network.findChannel(name);
      return channel !== undefined && test(channel);
    }, 10_000, `${what} on node ${index}`);
  }

  it("enforces on every node the modes an operator sets on one: +t and +o, +k, +l, +i with INVITE, +b, +m with +v", async () => {
    const alice = await user(0, "alice");
    await joined(alice, "#rules");
    // B must know the channel (and alice as its operator) before bob joins, or bob would make it there.
    await membersEverywhere("#rules", 1);
    const bob = await raw(1, "bob");
    bob.send("JOIN #rules");
    await bob.expect(numeric("366"));
    await membersEverywhere("#rules", 2);

    // +t (on by default): bob on B may not set the topic until alice on A makes him operator.
    bob.send("TOPIC #rules :bob's topic");
    expect(await bob.expect(numeric("482"))).toBe(":irc-b.local 482 bob #rules :You're not channel operator");
    alice.mode("#rules", "+o", "bob");
    expect(await bob.expect(/ MODE #rules /)).toBe(":alice!~alice@127.0.0.1 MODE #rules +o bob");
    await onNode(1, "#rules", (channel) => [...channel.members].some(([member, status]) => member.name === "bob" && status.op), "bob operator");
    const topic = next<{ topic: string; nick: string }>(alice, "topic", (e) => e.topic === "bob's topic");
    bob.send("TOPIC #rules :bob's topic");
    expect(await topic).toMatchObject({ nick: "bob" });

    // +k set on B keeps carol on C out without the key.
    bob.send("MODE #rules +k sesame");
    await bob.expect(/ MODE #rules \+k sesame$/);
    await onNode(2, "#rules", (channel) => channel.password === "sesame", "+k");
    const carol = await raw(2, "carol");
    carol.send("JOIN #rules");
    expect(await carol.expect(numeric("475"))).toBe(":irc-c.local 475 carol #rules :Cannot join channel (+k)");
    carol.send("JOIN #rules sesame");
    await carol.expect(numeric("366"));
    await membersEverywhere("#rules", 3);

    // +l 3 set on A: the channel is full for dave on C.
    alice.mode("#rules", "+l", "3");
    await onNode(2, "#rules", (channel) => channel.userLimit === 3, "+l 3");
    const dave = await raw(2, "dave");
    dave.send("JOIN #rules sesame");
    expect(await dave.expect(numeric("471"))).toBe(":irc-c.local 471 dave #rules :Cannot join channel (+l)");
    alice.mode("#rules", "-l");

    // +i set on A: dave is refused until bob on B invites him.
    alice.mode("#rules", "+i");
    await onNode(2, "#rules", (channel) => channel.inviteOnly && channel.userLimit === null, "+i -l");
    dave.send("JOIN #rules sesame");
    expect(await dave.expect(numeric("473"))).toBe(":irc-c.local 473 dave #rules :Cannot join channel (+i)");
    bob.send("INVITE dave #rules");
    expect(await bob.expect(numeric("341"))).toBe(":irc-b.local 341 bob dave #rules");
    expect(await dave.expect(/ INVITE dave /)).toBe(":bob!~bob@127.0.0.1 INVITE dave #rules");
    await onNode(2, "#rules", (channel) => channel.isInvited("dave"), "the invitation");
    dave.send("JOIN #rules sesame");
    await dave.expect(numeric("366"));
    await membersEverywhere("#rules", 4);

    // +b set on A keeps eve on C out.
    alice.mode("#rules", "-i");
    alice.mode("#rules", "+b", "eve!*@*");
    await onNode(2, "#rules", (channel) => !channel.inviteOnly && channel.bans.some((ban) => ban.mask === "eve!*@*"), "-i +b");
    const eve = await raw(2, "eve");
    eve.send("JOIN #rules sesame");
    expect(await eve.expect(numeric("474"))).toBe(":irc-c.local 474 eve #rules :Cannot join channel (+b)");

    // +m set on A silences carol on C until alice voices her; the voiced line reaches A and B.
    alice.mode("#rules", "+m");
    await onNode(2, "#rules", (channel) => channel.moderated, "+m");
    carol.send("PRIVMSG #rules :muted?");
    expect(await carol.expect(numeric("404"))).toBe(":irc-c.local 404 carol #rules :Cannot send to channel");
    alice.mode("#rules", "+v", "carol");
    await carol.expect(/ MODE #rules \+v carol$/);
    await onNode(2, "#rules", (channel) => [...channel.members].some(([member, status]) => member.name === "carol" && status.voice), "carol voiced");
    const heard = next<{ nick: string; message: string }>(alice, "message", (e) => e.nick === "carol");
    carol.send("PRIVMSG #rules :voiced");
    expect(await heard).toMatchObject({ message: "voiced" });
    await bob.expect(/^:carol!\S+ PRIVMSG #rules :voiced$/);

    // PART on C and KICK from A are seen on every node, and the member is gone from NAMES everywhere.
    const parted = next<{ nick: string; message: string }>(alice, "part", (e) => e.nick === "dave");
    dave.send("PART #rules :leaving");
    expect(await parted).toMatchObject({ message: "leaving" });
    await bob.expect(/^:dave!\S+ PART #rules :leaving$/);
    alice.raw("KICK #rules carol :out");
    expect(await carol.expect(/ KICK #rules carol /)).toBe(":alice!~alice@127.0.0.1 KICK #rules carol :out");
    await bob.expect(/^:alice!\S+ KICK #rules carol :out$/);
    await membersEverywhere("#rules", 2);
    bob.send("NAMES #rules");
    expect(await bob.expect(numeric("353"))).toBe(":irc-b.local 353 bob = #rules :@alice @bob");
  });

  it("holds the limits for every client wherever a channel was made: name lengths, channels per client, flood control", async () => {
    const alice = await user(0, "alice");
    const bob = await raw(1, "bob");
    // Nickname and channel name lengths (NICKLEN 30, CHANNELLEN 50) on every node.
    bob.send(`NICK ${"n".repeat(31)}`);
    expect(await bob.expect(numeric("432"))).toBe(`:irc-b.local 432 bob ${"n".repeat(31)} :Erroneous nickname`);
    bob.send(`JOIN #${"c".repeat(50)}`);
    await bob.expect(numeric("(403|479)"));
    // Channels made on A and on C count against bob on B like any others: MAX_CHANNELS, then 405.
    const names = Array.from({ length: MAX_CHANNELS + 1 }, (_, i) => `#lim${i}`);
    const carol = await raw(2, "carol");
    for (const name of names.slice(0, 2)) await joined(alice, name);
    for (const name of names.slice(2)) {
      carol.send(`JOIN ${name}`);
      await carol.expect(numeric("366"));
    }
    await waitFor(() => names.every((name) => nodes[1]!.network.findChannel(name) !== undefined), 10_000, "A's channels known on B");
    bob.send(`JOIN ${names.join(",")}`);
    for (const name of names.slice(0, MAX_CHANNELS)) await bob.expect(new RegExp(`^:\\S+ 366 bob ${name} `));
    expect(await bob.expect(numeric("405"))).toBe(`:irc-b.local 405 bob ${names[MAX_CHANNELS]} :You have joined too many channels`);
    await membersEverywhere(names[0]!, 2);
    await membersEverywhere(names[MAX_CHANNELS - 1]!, 2);
    expect(nodes.map((node) => node.network.findChannel(names[MAX_CHANNELS]!)?.members.size)).toEqual([1, 1, 1]);

    // Flood control: a client on C sending past its burst is disconnected; its peers on A and B see the QUIT once.
    const flooder = await raw(2, "flooder");
    flooder.send(`JOIN ${names[0]}`);
    await flooder.expect(numeric("366"));
    await membersEverywhere(names[0]!, 3);
    const quit = next<{ nick: string; message: string }>(alice, "quit", (e) => e.nick === "flooder", 10_000);
    flooder.sendRaw(`PRIVMSG ${names[0]} :flood\r\n`.repeat(400));
    await flooder.waitForClose(10_000);
    expect(await quit).toMatchObject({ message: "Excess Flood" });
    await bob.expect(/^:flooder!\S+ QUIT :Excess Flood$/);
    await waitFor(() => nodes.every((node) => node.network.findClient("flooder") === undefined), 10_000, "the flooder gone everywhere");
    const after = await bob.sync();
    expect(after.filter((line) => / QUIT /.test(line))).toEqual([]);
  });
});
