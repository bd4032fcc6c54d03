/**
 * COMMAND DOCS: every command documented, every syntax well-formed, and
 * the arguments of the common commands described as redis-server 7.0
 * describes them (names, types, keywords, optional and repeated parts).
 */

import { describeWithPeers } from "../../../test-support/peers";
import { commands } from "../commands";
import { parseSyntax } from "../commands/docs";
import { COMMAND_DOCS } from "../commands/docs-table";
import type { RespServer } from "../server";
import { portOf, testServer } from "./helpers";
import { type RedisServer, type Reply, ReplyReader, parseReply, startRedisServer } from "./redis-server";

/** A flat [k, v, k, v] array as an object. */
function asMap(reply: Reply): Record<string, Reply> {
  const list = reply as Reply[];
  const map: Record<string, Reply> = {};
  for (let i = 0; i < list.length; i += 2) map[list[i] as string] = list[i + 1]!;
  return map;
}

/** What both servers should agree on about an argument: its type, keyword, optional/multiple flags and inner arguments. */
function shape(argument: Reply): unknown {
  const map = asMap(argument);
  const flags = ((map.flags as string[] | undefined) ?? []).filter((flag) => flag === "optional" || flag === "multiple").sort();
  return {
    type: map.type,
    token: map.token ?? null,
    flags,
    arguments: ((map.arguments as Reply[] | undefined) ?? []).map(shape),
  };
}

describe("COMMAND DOCS", () => {
  it("documents every command and subcommand, each syntax well-formed", () => {
    for (const command of commands.all) {
      expect(COMMAND_DOCS[command.fullName]).toBeDefined();
      for (const sub of command.subcommands?.values() ?? []) expect(COMMAND_DOCS[sub.fullName]).toBeDefined();
    }
    for (const [name, [, , , summary, syntax]] of Object.entries(COMMAND_DOCS)) {
      expect(summary.length).toBeGreaterThan(0);
      expect(() => parseSyntax(syntax)).not.toThrow();
      expect(commands.find(name.split("|")[0]!)).toBeDefined();
    }
  });

  it("answers with the documentation of the commands named, leaving out unknown ones", async () => {
    const server: RespServer = await testServer();
    const client = await ReplyReader.connect(portOf(server));
    try {
      const reply = parseReply(await client.send("command", "docs", "get", "nope", "client")) as Reply[];
      expect(reply).toHaveLength(4);
      expect(reply[0]).toBe("get");
      const get = asMap(reply[1]!);
      expect(get.summary).toBe("Returns the string value of a key");
      expect(get.group).toBe("string");
      expect((get.arguments as Reply[]).map(asMap)).toEqual([{ name: "key", type: "key", key_spec_index: 0 }]);
      const client_ = asMap(reply[3]!);
      expect((client_.subcommands as Reply[]).filter((_, i) => i % 2 === 0)).toContain("client|kill");
      const all = parseReply(await client.send("command", "docs")) as Reply[];
      expect(all.length).toBe(commands.all.length * 2);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describeWithPeers("redis-server", "COMMAND DOCS next to redis-server's", () => {
  let redis: RedisServer;
  let server: RespServer;
  let theirs: ReplyReader;
  let ours: ReplyReader;

  beforeAll(async () => {
    [redis, server] = await Promise.all([startRedisServer(), testServer()]);
    [theirs, ours] = await Promise.all([ReplyReader.connect(redis.port), ReplyReader.connect(portOf(server))]);
  }, 30_000);

  afterAll(async () => {
    theirs?.close();
    ours?.close();
    await Promise.all([redis?.stop(), server?.close()]);
  });

  const SAME = ["get", "set", "mset", "getdel", "setex", "incrbyfloat", "del", "expire", "scan", "rename", "lpush", "lpop", "lrange", "hset", "hget", "hincrby", "sadd", "spop", "zadd", "zrange", "zpopmin", "zscore", "auth", "ping"];

  for (const name of SAME) {
    it(`describes the arguments of ${name.toUpperCase()} as redis-server does`, async () => {
      const [theirReply, ourReply] = [parseReply(await theirs.send("command", "docs", name)), parseReply(await ours.send("command", "docs", name))] as Reply[][];
      const theirDocs = asMap(theirReply![1]!);
      const ourDocs = asMap(ourReply![1]!);
      expect(ourDocs.group).toBe(theirDocs.group);
      expect(ourDocs.since).toBe(theirDocs.since);
      expect(((ourDocs.arguments as Reply[] | undefined) ?? []).map(shape)).toEqual(((theirDocs.arguments as Reply[] | undefined) ?? []).map(shape));
    });
  }
});
