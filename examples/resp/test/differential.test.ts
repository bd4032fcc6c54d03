/**
 * The same commands sent to this server and to a real redis-server (7.0,
 * Debian's), replies compared byte for byte: every command of the data
 * types, their options and their errors, WRONGTYPE included; AUTH and
 * NOAUTH with and without a password.
 */

import { describeWithPeers } from "../../../test-support/peers";
import type { RespServer } from "../server";
import { type RedisServer, ReplyReader, startRedisServer } from "./redis-server";
import { portOf, testServer } from "./helpers";

/** Scripts of commands; each runs from an empty database on both servers. */
const SCRIPTS: Record<string, string[][]> = {
  strings: [
    ["set", "s", "10.5"],
    ["incrbyfloat", "s", "0.1"],
    ["incrbyfloat", "s", "-5"],
    ["incrbyfloat", "s", "1e3"],
    ["incrbyfloat", "s", "abc"],
    ["incrbyfloat", "s", " 1"],
    ["incrbyfloat", "s", "inf"],
    ["incrbyfloat", "nope", "2.5"],
    ["get", "nope"],
    ["set", "t", "abc"],
    ["incrbyfloat", "t", "1"],
    ["setnx", "t", "x"],
    ["setnx", "u", "x"],
    ["get", "u"],
    ["setex", "e", "100", "v"],
    ["ttl", "e"],
    ["setex", "e", "0", "v"],
    ["setex", "e", "-5", "v"],
    ["setex", "e", "x", "v"],
    ["psetex", "p", "100000", "v"],
    ["psetex", "p", "0", "v"],
    ["getdel", "u"],
    ["getdel", "u"],
    ["exists", "u"],
    ["rename", "t", "t2"],
    ["get", "t2"],
    ["rename", "t", "t3"],
    ["rename", "t2", "t2"],
    ["setex", "ex", "1000", "a"],
    ["rename", "ex", "ex2"],
    ["ttl", "ex2"],
    ["set", "over", "x"],
    ["rename", "ex2", "over"],
    ["ttl", "over"],
    ["unlink", "over", "nope", "t2"],
    ["type", "over"],
    ["type", "e"],
  ],
  lists: [
    ["lpush", "l", "a", "b", "c"],
    ["rpush", "l", "d", "e"],
    ["llen", "l"],
    ["lrange", "l", "0", "-1"],
    ["lrange", "l", "1", "2"],
    ["lrange", "l", "-2", "100"],
    ["lrange", "l", "5", "1"],
    ["lrange", "l", "x", "1"],
    ["lrange", "nope", "0", "-1"],
    ["lindex", "l", "0"],
    ["lindex", "l", "-1"],
    ["lindex", "l", "9"],
    ["lpop", "l"],
    ["rpop", "l"],
    ["lpop", "l", "2"],
    ["rpop", "l", "0"],
    ["lpop", "l", "-1"],
    ["lpop", "l", "x"],
    ["lpop", "l", "1", "2"],
    ["rpop", "l", "10"],
    ["exists", "l"],
    ["lpop", "l"],
    ["lpop", "l", "3"],
    ["rpop", "nope", "0"],
    ["llen", "nope"],
    ["type", "l"],
    ["rpush", "l2", "x"],
    ["type", "l2"],
    ["get", "l2"],
    ["set", "s", "v"],
    ["lpush", "s", "x"],
    ["lrange", "s", "0", "1"],
    ["llen", "s"],
    ["lpop", "s"],
    ["lpush", "l"],
  ],
  hashes: [
    ["hset", "h", "f1", "v1", "f2", "v2"],
    ["hset", "h", "f1", "w1", "f3", "v3"],
    ["hset", "h", "f1"],
    ["hget", "h", "f1"],
    ["hget", "h", "nope"],
    ["hget", "nope", "f"],
    ["hgetall", "h"],
    ["hgetall", "nope"],
    ["hlen", "h"],
    ["hexists", "h", "f2"],
    ["hmget", "h", "f1", "x", "f3"],
    ["hkeys", "h"],
    ["hvals", "h"],
    ["hdel", "h", "f2", "nope"],
    ["hincrby", "h", "n", "5"],
    ["hincrby", "h", "n", "-7"],
    ["hincrby", "h", "f1", "1"],
    ["hincrby", "h", "n", "x"],
    ["hincrby", "h", "n", "9223372036854775807"],
    ["hmset", "h", "a", "1"],
    ["hdel", "h", "f1", "f3", "n", "a"],
    ["exists", "h"],
    ["set", "s", "v"],
    ["hset", "s", "f", "v"],
    ["hget", "s", "f"],
    ["hgetall", "s"],
    ["get", "h"],
  ],
  sets: [
    ["sadd", "s", "a", "b", "a"],
    ["sadd", "s", "c"],
    ["scard", "s"],
    ["sismember", "s", "a"],
    ["sismember", "s", "z"],
    ["srem", "s", "a", "z"],
    ["scard", "s"],
    ["spop", "s", "-1"],
    ["spop", "s", "x"],
    ["spop", "s", "1", "2"],
    ["spop", "nope"],
    ["spop", "nope", "2"],
    ["sadd", "one", "m"],
    ["smembers", "one"],
    ["spop", "one"],
    ["exists", "one"],
    ["smembers", "nope"],
    ["scard", "nope"],
    ["spop", "s", "0"],
    ["srem", "s", "b", "c"],
    ["exists", "s"],
    ["set", "str", "v"],
    ["sadd", "str", "x"],
    ["smembers", "str"],
    ["type", "nope"],
  ],
  "sorted sets": [
    ["zadd", "z", "1", "a", "2", "b", "0.1", "c", "-inf", "d", "1e300", "e"],
    ["zrange", "z", "0", "-1", "withscores"],
    ["zadd", "z", "nx", "5", "a", "6", "f"],
    ["zadd", "z", "xx", "ch", "7", "a", "8", "g"],
    ["zadd", "z", "gt", "ch", "1", "a", "9", "b"],
    ["zadd", "z", "lt", "ch", "1", "a"],
    ["zadd", "z", "incr", "2.5", "a"],
    ["zadd", "z", "incr", "nx", "2.5", "a"],
    ["zadd", "z", "incr", "1", "a", "2", "b"],
    ["zadd", "z", "nx", "xx", "1", "a"],
    ["zadd", "z", "nx", "gt", "1", "a"],
    ["zadd", "z", "1", "a", "2"],
    ["zadd", "z", "x", "a"],
    ["zadd", "z"],
    ["zadd", "zx", "xx", "1", "a"],
    ["zadd", "zx", "xx", "incr", "1", "a"],
    ["exists", "zx"],
    ["zscore", "z", "a"],
    ["zscore", "z", "nope"],
    ["zcard", "z"],
    ["zrange", "z", "0", "2"],
    ["zrange", "z", "-2", "-1", "withscores"],
    ["zrange", "z", "0", "1", "rev", "withscores"],
    ["zrange", "z", "1", "9", "byscore", "withscores"],
    ["zrange", "z", "(1", "+inf", "byscore"],
    ["zrange", "z", "+inf", "(1", "byscore", "rev"],
    ["zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "2"],
    ["zrange", "z", "+inf", "-inf", "byscore", "rev", "limit", "1", "2"],
    ["zrange", "z", "x", "1", "byscore"],
    ["zrange", "z", "0", "1", "limit", "0", "1"],
    ["zrange", "z", "0", "1", "bylex", "withscores"],
    ["zrange", "z", "0", "x"],
    ["zrange", "z", "0", "1", "nope"],
    ["zadd", "lex", "0", "a", "0", "b", "0", "c", "0", "d"],
    ["zrange", "lex", "[b", "(d", "bylex"],
    ["zrange", "lex", "-", "+", "bylex", "limit", "1", "2"],
    ["zrange", "lex", "+", "[b", "bylex", "rev"],
    ["zrange", "lex", "b", "c", "bylex"],
    ["zpopmin", "z"],
    ["zpopmin", "z", "2"],
    ["zpopmin", "z", "-1"],
    ["zpopmin", "nope"],
    ["zpopmin", "nope", "3"],
    ["zrem", "z", "a", "nope"],
    ["zpopmin", "z", "100"],
    ["exists", "z"],
    ["zrange", "nope", "0", "-1"],
    ["zadd", "n", "1", "a"],
    ["zadd", "n", "incr", "-inf", "a"],
    ["zadd", "n", "incr", "inf", "a"],
    ["zscore", "n", "a"],
    ["set", "s", "v"],
    ["zadd", "s", "1", "a"],
    ["zscore", "s", "a"],
    ["zrange", "s", "0", "1"],
    ["type", "lex"],
  ],
  "keys of every type": [
    ["set", "s", "1"],
    ["rpush", "l", "1"],
    ["hset", "h", "f", "1"],
    ["sadd", "t", "1"],
    ["zadd", "z", "1", "m"],
    ["type", "s"],
    ["type", "l"],
    ["type", "h"],
    ["type", "t"],
    ["type", "z"],
    ["exists", "s", "l", "h", "t", "z"],
    ["expire", "l", "100"],
    ["ttl", "l"],
    ["rename", "l", "l2"],
    ["ttl", "l2"],
    ["lrange", "l2", "0", "-1"],
    ["rename", "h", "s"],
    ["type", "s"],
    ["hget", "s", "f"],
    ["mget", "s", "l2", "z", "nope"],
    ["get", "z"],
    ["set", "z", "x", "get"],
    ["set", "z", "x", "nx"],
    ["getset", "z", "x"],
    ["append", "z", "x"],
    ["strlen", "z"],
    ["incr", "z"],
    ["decrby", "z", "2"],
    ["getdel", "z"],
    ["set", "z", "now a string"],
    ["type", "z"],
    ["get", "z"],
    ["del", "s", "l2", "t", "z"],
    ["dbsize"],
  ],
  scan: [
    ["scan", "x"],
    ["scan", "0", "count", "0"],
    ["scan", "0", "count", "x"],
    ["scan", "0", "count"],
    ["scan", "0", "nope", "1"],
    ["scan", "0", "type", "nope"],
    ["set", "a", "1"],
    ["scan", "0"],
    ["scan", "0", "match", "b*"],
    ["scan", "0", "type", "STRING"],
    ["scan", "0", "type", "list"],
    ["time", "x"],
  ],
};

/** A fresh connection's commands against a server with a password (`--requirepass sesame`), and one without. */
const AUTH_SCRIPTS: Record<string, { password: string | null; script: string[][] }> = {
  "with a password": {
    password: "sesame",
    script: [
      ["get", "k"],
      ["set", "k"],
      ["nope", "a"],
      ["ping"],
      ["client", "id", "x"],
      ["hello", "2"],
      ["hello", "2", "setname", "bad name"],
      ["hello", "2", "auth", "default", "wrong"],
      ["auth", "wrong"],
      ["auth", "default", "wrong"],
      ["auth", "other", "sesame"],
      ["auth", "a", "b", "c"],
      ["auth"],
      ["get", "k"],
      ["auth", "sesame"],
      ["set", "k", "v"],
      ["get", "k"],
      ["auth", "default", "sesame"],
      ["auth", "wrong"],
      ["get", "k"],
    ],
  },
  "without a password": {
    password: null,
    script: [
      ["auth", "anything"],
      ["auth", "default", "anything"],
      ["auth", "other", "anything"],
      ["auth", "a", "b", "c"],
      ["hello", "2", "auth", "other", "x"],
      ["ping"],
    ],
  },
};

describeWithPeers("redis-server", "AUTH and NOAUTH byte for byte as redis-server's", () => {
  for (const [name, { password, script }] of Object.entries(AUTH_SCRIPTS)) {
    it(`answers a client of a server ${name} as redis-server does`, async () => {
      const [redis, server] = await Promise.all([
        startRedisServer(password === null ? [] : ["--requirepass", password]),
        testServer({ requirePass: password }),
      ]);
      const [theirs, ours] = await Promise.all([ReplyReader.connect(redis.port), ReplyReader.connect(portOf(server))]);
      try {
        const expected: string[] = [];
        const actual: string[] = [];
        for (const args of script) {
          expected.push(`${args.join(" ")} -> ${await theirs.send(...args)}`);
          actual.push(`${args.join(" ")} -> ${await ours.send(...args)}`);
        }
        expect(actual).toEqual(expected);
      } finally {
        theirs.close();
        ours.close();
        await Promise.all([redis.stop(), server.close()]);
      }
    }, 30_000);
  }
});

describeWithPeers("redis-server", "replies byte for byte the same as redis-server's", () => {
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

  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(`answers the ${name} script as redis-server does`, async () => {
      await Promise.all([theirs.send("flushall"), ours.send("flushall")]);
      const expected: string[] = [];
      const actual: string[] = [];
      for (const args of script) {
        expected.push(`${args.join(" ")} -> ${await theirs.send(...args)}`);
        actual.push(`${args.join(" ")} -> ${await ours.send(...args)}`);
      }
      expect(actual).toEqual(expected);
    });
  }
});
