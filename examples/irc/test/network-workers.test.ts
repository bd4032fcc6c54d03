/**
 * `npm run example -- irc --workers 2 --redis URL`: each cluster worker is a
 * node of the network, named after its worker id (`w1.irc-a.local`), so
 * users who land on different workers of one process see each other, and
 * see the users of another node (here one in the test's process). A worker
 * killed with SIGKILL is split off the network once its presence expires
 * and the replacement the primary starts joins it under a new name.
 */

import { readFileSync } from "node:fs";
import { Client, type MessageEvent } from "irc-framework";
import { describeWithPeers } from "../../../test-support/peers";
import { IrcProcess, buildExamples } from "../../fuzz/irc-process";
import { IrcServer } from "../server";
import { next } from "./irc-framework-events";
import { PRESENCE_TIMEOUT, waitFor } from "./network-fixture";
import { RawClient, numeric } from "./raw-client";
import { RedisProcess } from "./redis-process";

/** The pids of a process's children (Linux: the cluster primary's workers). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

describeWithPeers("redis-server", "the IRC example on two cluster workers, each a node of a network over Redis", () => {
  jest.setTimeout(60_000);
  let redis: RedisProcess;
  let cluster: IrcProcess;
  let other: IrcServer;
  let otherPort: number;
  const raws: RawClient[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    buildExamples();
    redis = await RedisProcess.start();
    other = new IrcServer({ redis: redis.url, serverName: "irc-b.local", networkName: "TestNet", presenceTimeout: PRESENCE_TIMEOUT });
    otherPort = (await other.listen(0, "127.0.0.1")).port;
    const flags = ["--workers", "2", "--redis", redis.url, "--server-name", "irc-a.local", "--network", "TestNet", "--presence-timeout", String(PRESENCE_TIMEOUT / 1000)];
    cluster = await IrcProcess.start(flags, 40_000);
  }, 120_000);

  afterAll(async () => {
    for (const raw of raws) raw.close();
    for (const client of clients) client.quit("test over");
    await cluster?.stop(10_000);
    await other?.close();
    await redis?.stop();
    expect(raws.flatMap((raw) => raw.violations)).toEqual([]);
  });

  /**
   * Registers raw clients on the cluster's port until one has landed on each
   * of two different workers (the others quit); a worker just started takes
   * connections once it listens, so this keeps trying for a while.
   */
  async function onTwoWorkers(prefix: string, ms = 20_000): Promise<Map<string, RawClient>> {
    const byServer = new Map<string, RawClient>();
    const deadline = Date.now() + ms;
    for (let i = 0; byServer.size < 2; i++) {
      if (Date.now() > deadline) throw new Error(`${i} connections in ${ms} ms all landed on ${[...byServer.keys()].join(", ")}`);
      const client = await RawClient.connect(cluster.port);
      raws.push(client);
      await client.register(`${prefix}${i}`);
      const server = /^:(\S+) 001 /.exec(client.lines.find((line) => / 001 /.test(line))!)![1]!;
      if (byServer.has(server)) {
        client.send("QUIT :same worker");
        await new Promise((resolve) => setTimeout(resolve, 100));
      } else byServer.set(server, client);
    }
    return byServer;
  }

  it("names each worker after its id, and users on both workers and on another node see each other: NAMES, WHOIS, channel and private messages", async () => {
    const workers = await onTwoWorkers("w");
    const [[nameOne, one], [nameTwo, two]] = [...workers];
    expect(nameOne).toMatch(/^w\d+\.irc-a\.local$/);
    expect(nameTwo).toMatch(/^w\d+\.irc-a\.local$/);
    expect(nameOne).not.toBe(nameTwo);

    const bob = new Client();
    clients.push(bob);
    const registered = next(bob, "registered");
    bob.connect({ host: "127.0.0.1", port: otherPort, nick: "bob", username: "bob", gecos: "bob", auto_reconnect: false });
    await registered;

    one!.send("JOIN #workers");
    await one!.expect(numeric("366"));
    two!.send("JOIN #workers");
    await two!.expect(numeric("366"));
    const bobJoined = next<{ nick: string; channel: string }>(bob, "join", (e) => e.nick === "bob");
    bob.join("#workers");
    await bobJoined;
    await waitFor(() => other.network.findChannel("#workers")?.members.size === 3, 10_000, "3 members of #workers on the other node");

    const names = next<{ channel: string; users: Array<{ nick: string }> }>(bob, "userlist", (e) => e.channel === "#workers");
    bob.raw("NAMES #workers");
    expect((await names).users.map((u) => u.nick).sort()).toEqual(["bob", one!.nick, two!.nick].sort());
    // Each worker mirrors the network on its own: ask the second one once bob's join has reached it.
    await two!.expect(/^:bob!\S+ JOIN :?#workers$/);
    two!.send("NAMES #workers");
    const listed = await two!.expect(numeric("353"));
    for (const nick of ["bob", one!.nick!, two!.nick!]) expect(listed).toMatch(new RegExp(`[ :@+]${nick}( |$)`));

    // WHOIS from the other node names the worker the user is on.
    const whois = new Promise<{ nick: string; server: string }>((resolve) => bob.whois(two!.nick!, resolve));
    expect(await whois).toMatchObject({ nick: two!.nick, server: nameTwo });
    one!.send(`WHOIS ${two!.nick}`);
    expect(await one!.expect(numeric("312"))).toBe(`:${nameOne} 312 ${one!.nick} ${two!.nick} ${nameTwo} :TestNet IRC server`);

    // A channel message from worker one reaches worker two and the other node once each, and not its sender.
    const toBob = next<MessageEvent>(bob, "message", (e) => e.target === "#workers");
    one!.send("PRIVMSG #workers :from one worker");
    expect(await two!.expect(/ PRIVMSG #workers /)).toBe(`:${one!.nick}!~${one!.nick}@127.0.0.1 PRIVMSG #workers :from one worker`);
    expect(await toBob).toMatchObject({ nick: one!.nick, message: "from one worker" });
    // Privately, worker to worker and node to worker.
    two!.send(`PRIVMSG ${one!.nick} :worker to worker`);
    await one!.expect(new RegExp(`^:${two!.nick}!\\S+ PRIVMSG ${one!.nick} :worker to worker$`));
    bob.say(two!.nick!, "node to worker");
    await two!.expect(new RegExp(`^:bob!\\S+ PRIVMSG ${two!.nick} :node to worker$`));
    const echoed = (await one!.sync()).filter((line) => / PRIVMSG #workers /.test(line));
    expect(echoed).toEqual([]);

    // A nickname held on one worker is refused on the other (433).
    two!.send(`NICK ${one!.nick}`);
    expect(await two!.expect(numeric("433"))).toBe(`:${nameTwo} 433 ${two!.nick} ${one!.nick} :Nickname is already in use`);
  });

  it("splits off a worker killed with SIGKILL once its presence expires, and the replacement joins the network under a new name", async () => {
    const workers = await onTwoWorkers("k");
    const pids = childrenOf(cluster.pid);
    expect(pids).toHaveLength(2);
    const watcher = await RawClient.connect(otherPort);
    raws.push(watcher);
    await watcher.register("watcher");
    for (const client of [...workers.values(), watcher]) {
      client.send("JOIN #kill");
      await client.expect(numeric("366"));
    }
    await waitFor(() => other.network.findChannel("#kill")?.members.size === 3, 10_000, "3 members of #kill on the other node");
    // Kill one worker; the user whose connection the kernel closes is the one it held.
    process.kill(pids[0]!, "SIGKILL");
    await waitFor(() => [...workers.values()].some((client) => client.closed), 10_000, "a connection closed by the killed worker");
    const [victimName, victim] = [...workers].find(([, client]) => client.closed)!;
    const survivor = [...workers.values()].find((client) => !client.closed)!;
    const quitLine = new RegExp(`^:${victim.nick}!\\S+ QUIT :\\*\\.net \\*\\.split$`);
    await watcher.expect(quitLine, PRESENCE_TIMEOUT * 6);
    await survivor.expect(quitLine, 10_000);
    await waitFor(() => other.network.findClient(victim.nick!) === undefined, 10_000, "the killed worker's user gone from the other node");
    // The primary replaces the worker; the newcomer is a node of its own.
    await waitFor(() => childrenOf(cluster.pid).length === 2, 20_000, "a replacement worker");
    const again = await onTwoWorkers("r");
    const names = [...again.keys()];
    expect(names).not.toContain(victimName);
    expect(names.every((name) => /^w\d+\.irc-a\.local$/.test(name))).toBe(true);
    // Once: no second QUIT for the same user.
    const quits = (await watcher.sync()).filter((line) => quitLine.test(line));
    expect(quits).toEqual([]);
  });
});
