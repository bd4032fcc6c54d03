/**
 * Lists, hashes, sets, sorted sets, SCAN, the newer string commands and
 * AUTH through ioredis, a real client from npm: what an application using
 * them sees.
 */

import Redis from "ioredis";
import type { RespServer } from "../server";
import { portOf, testServer } from "./helpers";

let server: RespServer;
let redis: Redis;

beforeAll(async () => {
  server = await testServer();
  redis = new Redis({ port: portOf(server), host: "127.0.0.1", maxRetriesPerRequest: 0, lazyConnect: true });
  await redis.connect();
});

afterAll(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  await redis.flushall();
});

describe("lists", () => {
  it("pushes at both ends, reads ranges and pops with and without a count", async () => {
    expect(await redis.rpush("queue", "b", "c")).toBe(2);
    expect(await redis.lpush("queue", "a")).toBe(3);
    expect(await redis.lrange("queue", 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.llen("queue")).toBe(3);
    expect(await redis.lpop("queue")).toBe("a");
    expect(await redis.rpop("queue", 5)).toEqual(["c", "b"]);
    expect(await redis.exists("queue")).toBe(0);
    expect(await redis.lpop("queue")).toBeNull();
  });

  it("keeps ten thousand binary elements in order through a pipeline", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 10_000; i++) pipeline.rpush("big", Buffer.from([i & 255, 13, 10, i >> 8]));
    await pipeline.exec();
    const all = await redis.lrangeBuffer("big", 0, -1);
    expect(all).toHaveLength(10_000);
    expect(all.every((element, i) => element.equals(Buffer.from([i & 255, 13, 10, i >> 8])))).toBe(true);
  });
});

describe("hashes", () => {
  it("sets fields, reads them all, counts with HINCRBY and removes the key with its last field", async () => {
    expect(await redis.hset("user:1", { name: "Ada", visits: "1" })).toBe(2);
    expect(await redis.hget("user:1", "name")).toBe("Ada");
    expect(await redis.hincrby("user:1", "visits", 41)).toBe(42);
    expect(await redis.hgetall("user:1")).toEqual({ name: "Ada", visits: "42" });
    expect(await redis.hdel("user:1", "name", "visits")).toBe(2);
    expect(await redis.type("user:1")).toBe("none");
  });
});

describe("sets", () => {
  it("adds, tests, counts, pops and removes members", async () => {
    expect(await redis.sadd("tags", "a", "b", "c", "a")).toBe(3);
    expect(await redis.sismember("tags", "b")).toBe(1);
    expect((await redis.smembers("tags")).sort()).toEqual(["a", "b", "c"]);
    const popped = await redis.spop("tags", 2);
    expect(popped).toHaveLength(2);
    expect(await redis.scard("tags")).toBe(1);
    const [last] = ["a", "b", "c"].filter((member) => !popped.includes(member));
    expect(await redis.srem("tags", last!)).toBe(1);
    expect(await redis.exists("tags")).toBe(0);
  });
});

describe("sorted sets", () => {
  it("ranks members by score, pops the lowest and answers scores as Redis prints them", async () => {
    expect(await redis.zadd("board", 30, "c", 10, "a", 20, "b")).toBe(3);
    expect(await redis.zrange("board", "0", "-1", "WITHSCORES")).toEqual(["a", "10", "b", "20", "c", "30"]);
    expect(await redis.zrange("board", "(10", "+inf", "BYSCORE")).toEqual(["b", "c"]);
    expect(await redis.zadd("board", "INCR", 0.1, "a")).toBe("10.1");
    expect(await redis.zscore("board", "a")).toBe("10.1");
    expect(await redis.zpopmin("board")).toEqual(["a", "10.1"]);
    expect(await redis.zcard("board")).toBe(2);
    expect(await redis.zrem("board", "b", "c")).toBe(2);
  });

  it("refuses a list command on a sorted set with WRONGTYPE", async () => {
    await redis.zadd("board", 1, "a");
    await expect(redis.lpush("board", "x")).rejects.toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
    await expect(redis.get("board")).rejects.toThrow("WRONGTYPE");
  });
});

describe("strings and keys", () => {
  it("runs SETEX, SETNX, GETDEL, INCRBYFLOAT, RENAME and UNLINK", async () => {
    expect(await redis.setex("session", 100, "token")).toBe("OK");
    expect(await redis.ttl("session")).toBeGreaterThan(98);
    expect(await redis.setnx("session", "other")).toBe(0);
    expect(await redis.rename("session", "session:old")).toBe("OK");
    expect(await redis.ttl("session:old")).toBeGreaterThan(98);
    expect(await redis.getdel("session:old")).toBe("token");
    expect(await redis.exists("session:old")).toBe(0);
    expect(await redis.incrbyfloat("price", "10.5")).toBe("10.5");
    expect(await redis.incrbyfloat("price", "0.1")).toBe("10.6");
    expect(await redis.unlink("price", "nope")).toBe(1);
    const [seconds, micros] = await redis.time();
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(micros)).toBeLessThan(1_000_000);
  });

  it("walks every key once with scanStream, filtered by pattern and by type", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 3000; i++) pipeline.set(`key:${i}`, "v");
    for (let i = 0; i < 50; i++) pipeline.rpush(`list:${i}`, "v");
    await pipeline.exec();
    const seen = new Set<string>();
    for await (const keys of redis.scanStream({ match: "key:*", count: 100 })) for (const key of keys as string[]) seen.add(key);
    expect(seen.size).toBe(3000);
    const lists: string[] = [];
    for await (const keys of redis.scanStream({ type: "list", count: 1000 })) lists.push(...(keys as string[]));
    expect(lists.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `list:${i}`).sort());
  });

  it("returns a key present from the start to the end of a SCAN even while others are deleted", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.set(`k${i}`, "v");
    await pipeline.exec();
    const seen = new Set<string>();
    let cursor = "0";
    let step = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "COUNT", 20);
      for (const key of keys) seen.add(key);
      // Delete odd keys as the walk goes: the even ones are there throughout.
      await redis.del(`k${2 * step + 1}`, `k${(2 * step + 1001) % 2000}`);
      cursor = next;
      step++;
    } while (cursor !== "0");
    for (let i = 0; i < 2000; i += 2) expect(seen.has(`k${i}`)).toBe(true);
  });
});

describe("AUTH", () => {
  it("lets ioredis in with the password and tells a client without one NOAUTH", async () => {
    const guarded = await testServer({ requirePass: "s3cret" });
    const good = new Redis({ port: portOf(guarded), host: "127.0.0.1", password: "s3cret", lazyConnect: true, maxRetriesPerRequest: 0 });
    const none = new Redis({ port: portOf(guarded), host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false });
    none.on("error", () => undefined);
    const bad = new Redis({ port: portOf(guarded), host: "127.0.0.1", password: "wrong", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const badErrors: string[] = [];
    bad.on("error", (error: Error) => badErrors.push(error.message));
    try {
      await good.connect();
      expect(await good.set("k", "v")).toBe("OK");
      expect(await good.get("k")).toBe("v");
      await none.connect();
      await expect(none.get("k")).rejects.toThrow("NOAUTH Authentication required.");
      await bad.connect().catch(() => undefined);
      expect(badErrors.join("\n")).toContain("WRONGPASS invalid username-password pair or user is disabled.");
    } finally {
      good.disconnect();
      none.disconnect();
      bad.disconnect();
      await guarded.close();
    }
  });
});
