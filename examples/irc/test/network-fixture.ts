/**
 * Three IRC nodes sharing state through a real Redis (started on a free
 * loopback port, stopped by PID), for the network tests: call
 * {@link threeNodes} inside a `describe`; it registers the hooks that start
 * them, clean up after each test (every client quits and every node's
 * mirror is empty again) and stop them.
 */

import { Client } from "irc-framework";
import { buildExamples } from "../../fuzz/irc-process";
import { IrcServer } from "../server";
import type { IrcServerOptions } from "../settings";
import { next } from "./irc-framework-events";
import { RawClient } from "./raw-client";
import { RedisProcess } from "./redis-process";

/** Presence timeout of the test nodes: small, so a dead node is split off quickly. */
export const PRESENCE_TIMEOUT = 1500;

/** Waits until `test` holds, polling; throws naming `what` after `ms`. */
export async function waitFor(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The network of a test file and its helpers. */
export interface ThreeNodes {
  /** The Redis (restartable). */
  readonly redis: () => RedisProcess;
  /** The nodes irc-a.local, irc-b.local, irc-c.local. */
  readonly nodes: IrcServer[];
  /** Their ports. */
  readonly ports: number[];
  /** An irc-framework client registered as `nick` on node `index` (or on `port`); it quits after the test. */
  user(index: number, nick: string, port?: number): Promise<Client>;
  /** A raw client registered as `nick` on node `index`; closed after the test, its lines checked against the grammar. */
  raw(index: number, nick: string): Promise<RawClient>;
  /** A raw client connected (not registered) to node `index`. */
  connect(index: number): Promise<RawClient>;
  /** `client` joins `channel` and sees its own JOIN. */
  joined(client: Client, channel: string): Promise<void>;
  /** Waits until every node sees `count` members on `channel`. */
  membersEverywhere(channel: string, count: number): Promise<void>;
  /** Stops following `client` (a test that kills its server itself). */
  forget(client: Client): void;
}

/** Starts three nodes of network `TestNet` with `options` for the enclosing describe. */
export function threeNodes(options: IrcServerOptions = {}): ThreeNodes {
  let redis: RedisProcess;
  const nodes: IrcServer[] = [];
  const ports: number[] = [];
  const clients: Client[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    buildExamples();
    redis = await RedisProcess.start();
    for (const name of ["irc-a.local", "irc-b.local", "irc-c.local"]) {
      const node = new IrcServer({ redis: redis.url, serverName: name, networkName: "TestNet", presenceTimeout: PRESENCE_TIMEOUT, ...options });
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
        if (!client.connected) return undefined;
        const closed = next(client, "close", () => true, 5000).catch(() => undefined);
        client.quit("test over");
        return closed;
      }),
    );
    // Every node's mirror forgets the users of the test before the next one takes the same nicknames.
    await waitFor(() => nodes.every((node) => node.network.clients.size === 0), 10_000, "every node is empty");
  });

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await redis?.stop();
  });

  const fixture: ThreeNodes = {
    redis: () => redis,
    nodes,
    ports,
    async user(index, nick, port = ports[index]!) {
      const client = new Client();
      clients.push(client);
      const registered = next<{ nick: string }>(client, "registered", () => true, 10_000);
      client.connect({ host: "127.0.0.1", port, nick, username: nick, gecos: nick, auto_reconnect: false });
      expect((await registered).nick).toBe(nick);
      return client;
    },
    async raw(index, nick) {
      const client = await fixture.connect(index);
      await client.register(nick);
      return client;
    },
    async connect(index) {
      const client = await RawClient.connect(ports[index]!);
      raws.push(client);
      return client;
    },
    async joined(client, channel) {
      const join = next<{ nick: string; channel: string }>(client, "join", (e) => e.nick === client.user.nick && e.channel === channel, 10_000);
      client.join(channel);
      await join;
    },
    async membersEverywhere(channel, count) {
      await waitFor(() => nodes.every((node) => node.network.findChannel(channel)?.members.size === count), 10_000, `${count} members of ${channel} on every node`);
    },
    forget(client) {
      clients.splice(clients.indexOf(client), 1);
    },
  };
  return fixture;
}
