/**
 * Every command through ioredis, a real client from npm, against a real
 * listening server: replies, pipelines of hundreds of commands, binary
 * values, expiry.
 */

import Redis from "ioredis";
import type { RespServer } from "../server";
import { portOf, testServer } from "./helpers";

let server: RespServer;
let redis: Redis;

beforeAll(async () => {
  server = await testServer({ sweepInterval: 10 });
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

/** Polls `check` until it holds (expiry happens on the clock); fails after a generous while. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("connection commands", () => {
  it("answers PING with PONG and with its argument, and ECHO with its argument", async () => {
    expect(await redis.ping()).toBe("PONG");
    expect(await redis.ping("hello")).toBe("hello");
    expect(await redis.echo("echo me")).toBe("echo me");
  });

  it("accepts SELECT 0 and refuses any other database", async () => {
    expect(await redis.select(0)).toBe("OK");
    await expect(redis.select(1)).rejects.toThrow("ERR DB index is out of range");
  });

  it("names the connection with CLIENT SETNAME and reports it with CLIENT GETNAME, ID and LIST", async () => {
    expect(await redis.client("GETNAME")).toBeNull();
    expect(await redis.client("SETNAME", "tester")).toBe("OK");
    expect(await redis.client("GETNAME")).toBe("tester");
    const id = (await redis.client("ID")) as number;
    expect(id).toBeGreaterThan(0);
    expect(await redis.client("LIST")).toContain(`id=${id} `);
    await expect(redis.client("SETNAME", "two words")).rejects.toThrow("ERR Client names cannot contain spaces, newlines or special characters.");
  });

  it("reports the limits in force with CONFIG GET, matching globs without regard to case", async () => {
    expect(await redis.config("GET", "proto-max-bulk-len")).toEqual(["proto-max-bulk-len", String(64 * 1024 * 1024)]);
    expect(await redis.config("GET", "SAVE")).toEqual(["save", ""]);
    const some = (await redis.config("GET", "max*")) as string[];
    expect(some).toEqual(expect.arrayContaining(["maxclients", "10000", "maxmemory", "0"]));
    expect(await redis.config("GET", "no-such-*")).toEqual([]);
  });

  it("describes the server with INFO and its commands with COMMAND", async () => {
    const info = await redis.info();
    expect(info).toContain("redis_version:7.0.0");
    expect(info).toContain("loading:0");
    await redis.set("k", "v");
    expect(await redis.info("keyspace")).toBe("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
    const count = (await redis.call("COMMAND", "COUNT")) as number;
    const all = (await redis.call("COMMAND")) as unknown[][];
    expect(all).toHaveLength(count);
    expect(await redis.command("INFO", "get")).toEqual([["get", 2, ["readonly", "fast"], 1, 1, 1, [], [], [], []]]);
  });

  it("closes the connection after answering QUIT", async () => {
    const other = new Redis({ port: portOf(server), host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
    await other.connect();
    const closed = new Promise<void>((resolve) => other.once("end", () => resolve()));
    expect(await other.quit()).toBe("OK");
    await closed;
  });
});

describe("string commands", () => {
  it("sets and gets values, with nil for a missing key", async () => {
    expect(await redis.set("greeting", "hello")).toBe("OK");
    expect(await redis.get("greeting")).toBe("hello");
    expect(await redis.get("missing")).toBeNull();
    expect(await redis.set("empty", "")).toBe("OK");
    expect(await redis.get("empty")).toBe("");
  });

  it("honours SET NX and XX", async () => {
    expect(await redis.set("k", "1", "NX")).toBe("OK");
    expect(await redis.set("k", "2", "NX")).toBeNull();
    expect(await redis.set("k", "3", "XX")).toBe("OK");
    expect(await redis.set("other", "4", "XX")).toBeNull();
    expect(await redis.mget("k", "other")).toEqual(["3", null]);
  });

  it("returns the old value with SET GET, also when NX keeps it", async () => {
    expect(await redis.set("k", "old")).toBe("OK");
    expect(await redis.set("k", "new", "GET")).toBe("old");
    expect(await redis.set("fresh", "v", "GET")).toBeNull();
    expect(await redis.set("k", "newer", "NX", "GET")).toBe("new");
    expect(await redis.get("k")).toBe("new");
  });

  it("sets expiry times with SET EX, PX, EXAT and PXAT, and keeps them with KEEPTTL", async () => {
    await redis.set("ex", "v", "EX", 100);
    expect(await redis.ttl("ex")).toBe(100);
    await redis.set("px", "v", "PX", 100_000);
    expect(await redis.pttl("px")).toBeGreaterThan(99_000);
    await redis.set("exat", "v", "EXAT", Math.floor(Date.now() / 1000) + 200);
    expect(await redis.ttl("exat")).toBeGreaterThan(190);
    await redis.set("pxat", "v", "PXAT", Date.now() + 300_000);
    expect(await redis.ttl("pxat")).toBeGreaterThan(290);
    await redis.set("ex", "w", "KEEPTTL");
    expect(await redis.ttl("ex")).toBe(100);
    await redis.set("ex", "x");
    expect(await redis.ttl("ex")).toBe(-1);
  });

  it("rejects SET options that do not go together, and bad expiry times, as Redis does", async () => {
    await expect(redis.call("SET", "k", "v", "NX", "XX")).rejects.toThrow("ERR syntax error");
    await expect(redis.call("SET", "k", "v", "EX", "1", "PX", "1000")).rejects.toThrow("ERR syntax error");
    await expect(redis.set("k", "v", "EX", 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(redis.set("k", "v", "EX", "soon" as unknown as number)).rejects.toThrow("ERR value is not an integer or out of range");
    await expect(redis.set("k", "v", "PX", "9223372036854775807")).rejects.toThrow("ERR invalid expire time in 'set' command");
    expect(await redis.exists("k")).toBe(0);
  });

  it("swaps values with GETSET", async () => {
    expect(await redis.getset("k", "1")).toBeNull();
    expect(await redis.getset("k", "2")).toBe("1");
    expect(await redis.get("k")).toBe("2");
  });

  it("sets and gets several keys with MSET and MGET", async () => {
    expect(await redis.mset("a", "1", "b", "2", "c", "3")).toBe("OK");
    expect(await redis.mget("a", "b", "nope", "c")).toEqual(["1", "2", null, "3"]);
    await expect(redis.call("MSET", "a", "1", "b")).rejects.toThrow("ERR wrong number of arguments for 'mset' command");
  });

  it("appends with APPEND and measures with STRLEN", async () => {
    expect(await redis.append("k", "Hello")).toBe(5);
    expect(await redis.append("k", ", world")).toBe(12);
    expect(await redis.get("k")).toBe("Hello, world");
    expect(await redis.strlen("k")).toBe(12);
    expect(await redis.strlen("missing")).toBe(0);
  });

  it("counts with INCR, DECR, INCRBY and DECRBY, keeping the expiry time", async () => {
    expect(await redis.incr("n")).toBe(1);
    expect(await redis.incrby("n", 41)).toBe(42);
    expect(await redis.decr("n")).toBe(41);
    expect(await redis.decrby("n", 50)).toBe(-9);
    expect(await redis.get("n")).toBe("-9");
    await redis.expire("n", 100);
    expect(await redis.incr("n")).toBe(-8);
    expect(await redis.ttl("n")).toBe(100);
  });

  it("refuses to count on what is not an integer, and past the 64-bit range", async () => {
    await redis.set("s", "1.5");
    await expect(redis.incr("s")).rejects.toThrow("ERR value is not an integer or out of range");
    await redis.set("s", " 1");
    await expect(redis.incr("s")).rejects.toThrow("ERR value is not an integer or out of range");
    await expect(redis.incrby("n", "x" as unknown as number)).rejects.toThrow("ERR value is not an integer or out of range");
    await redis.set("max", "9223372036854775806");
    expect(await redis.call("INCR", "max")).toBe(9223372036854775807);
    expect(await redis.get("max")).toBe("9223372036854775807");
    await expect(redis.incr("max")).rejects.toThrow("ERR increment or decrement would overflow");
    await expect(redis.decrby("n", "-9223372036854775808" as unknown as number)).rejects.toThrow("ERR decrement would overflow");
    await redis.set("min", "-9223372036854775808");
    await expect(redis.decr("min")).rejects.toThrow("ERR increment or decrement would overflow");
  });
});

describe("key space commands", () => {
  it("deletes with DEL and counts with EXISTS (repeated keys counted each time)", async () => {
    await redis.mset("a", "1", "b", "2");
    expect(await redis.exists("a", "a", "b", "c")).toBe(3);
    expect(await redis.del("a", "a", "c")).toBe(1);
    expect(await redis.exists("a")).toBe(0);
  });

  it("lists keys matching a glob with KEYS", async () => {
    await redis.mset("user:1", "a", "user:2", "b", "user:10", "c", "session", "d", "h[a]llo", "e");
    expect((await redis.keys("user:*")).sort()).toEqual(["user:1", "user:10", "user:2"]);
    expect((await redis.keys("user:?")).sort()).toEqual(["user:1", "user:2"]);
    expect(await redis.keys("user:[^1]")).toEqual(["user:2"]);
    expect(await redis.keys("h\\[a\\]llo")).toEqual(["h[a]llo"]);
    expect((await redis.keys("*")).length).toBe(5);
  });

  it("counts keys with DBSIZE and empties the database with FLUSHDB and FLUSHALL", async () => {
    await redis.mset("a", "1", "b", "2");
    expect(await redis.dbsize()).toBe(2);
    expect(await redis.flushdb()).toBe("OK");
    expect(await redis.dbsize()).toBe(0);
    await redis.set("a", "1");
    expect(await redis.call("FLUSHALL", "ASYNC")).toBe("OK");
    expect(await redis.dbsize()).toBe(0);
    await expect(redis.call("FLUSHDB", "LATER")).rejects.toThrow("ERR syntax error");
  });

  it("sets, reads and clears expiry times with EXPIRE, PEXPIRE, TTL, PTTL and PERSIST", async () => {
    await redis.set("k", "v");
    expect(await redis.ttl("k")).toBe(-1);
    expect(await redis.ttl("missing")).toBe(-2);
    expect(await redis.pttl("missing")).toBe(-2);
    expect(await redis.expire("k", 100)).toBe(1);
    expect(await redis.ttl("k")).toBe(100);
    expect(await redis.pexpire("k", 50_000)).toBe(1);
    expect(await redis.pttl("k")).toBeGreaterThan(49_000);
    expect(await redis.persist("k")).toBe(1);
    expect(await redis.persist("k")).toBe(0);
    expect(await redis.ttl("k")).toBe(-1);
    expect(await redis.expire("missing", 10)).toBe(0);
  });

  it("understands EXPIRE NX, XX, GT and LT", async () => {
    await redis.set("k", "v");
    expect(await redis.call("EXPIRE", "k", "100", "XX")).toBe(0);
    expect(await redis.call("EXPIRE", "k", "100", "NX")).toBe(1);
    expect(await redis.call("EXPIRE", "k", "200", "NX")).toBe(0);
    expect(await redis.call("EXPIRE", "k", "50", "GT")).toBe(0);
    expect(await redis.call("EXPIRE", "k", "300", "GT")).toBe(1);
    expect(await redis.call("EXPIRE", "k", "400", "LT")).toBe(0);
    expect(await redis.call("EXPIRE", "k", "20", "LT")).toBe(1);
    expect(await redis.ttl("k")).toBe(20);
    await expect(redis.call("EXPIRE", "k", "1", "NX", "GT")).rejects.toThrow("ERR NX and XX, GT or LT options at the same time are not compatible");
    await expect(redis.call("EXPIRE", "k", "1", "GT", "LT")).rejects.toThrow("ERR GT and LT options at the same time are not compatible");
    await expect(redis.call("EXPIRE", "k", "1", "SOON")).rejects.toThrow("ERR Unsupported option SOON");
  });

  it("removes a key at once when EXPIRE is given a time already past", async () => {
    await redis.set("k", "v");
    expect(await redis.expire("k", -1)).toBe(1);
    expect(await redis.exists("k")).toBe(0);
  });
});

describe("expiry", () => {
  it("hides a key once its time has passed", async () => {
    await redis.set("short", "lived", "PX", 30);
    await redis.set("long", "lived", "EX", 100);
    await eventually(async () => (await redis.get("short")) === null);
    expect(await redis.exists("short")).toBe(0);
    expect(await redis.ttl("short")).toBe(-2);
    expect(await redis.get("long")).toBe("lived");
    expect(await redis.keys("*")).toEqual(["long"]);
  });

  it("removes expired keys that nobody touches, by the periodic sweep", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 300; i++) pipeline.set(`temp:${i}`, "x", "PX", 20);
    pipeline.set("kept", "x");
    await pipeline.exec();
    // DBSIZE counts keys past their time until they are removed: only the sweep brings it down.
    await eventually(async () => (await redis.dbsize()) === 1);
    expect(server.state.keyspace.expiring).toBe(0);
  });
});

describe("pipelines", () => {
  it("answers hundreds of pipelined commands in order", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 500; i++) {
      pipeline.set(`key:${i}`, `value:${i}`);
      pipeline.incr("counter");
      pipeline.get(`key:${i}`);
    }
    const results = (await pipeline.exec())!;
    expect(results).toHaveLength(1500);
    for (let i = 0; i < 500; i++) {
      expect(results[3 * i]).toEqual([null, "OK"]);
      expect(results[3 * i + 1]).toEqual([null, i + 1]);
      expect(results[3 * i + 2]).toEqual([null, `value:${i}`]);
    }
  });

  it("keeps errors in their place in a pipeline", async () => {
    const results = (await redis.pipeline().set("a", "1").incr("a").call("NOPE", "x").get("a").call("GET").exec())!;
    expect(results[0]).toEqual([null, "OK"]);
    expect(results[1]).toEqual([null, 2]);
    expect(String(results[2]![0])).toContain("ERR unknown command 'NOPE', with args beginning with: 'x' ");
    expect(results[3]).toEqual([null, "2"]);
    expect(String(results[4]![0])).toContain("ERR wrong number of arguments for 'get' command");
  });
});

describe("binary values", () => {
  it("keeps all 256 byte values intact, in keys and in values", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await redis.set(bytes, bytes)).toBe("OK");
    expect(await redis.getBuffer(bytes)).toEqual(bytes);
    expect(await redis.strlen(bytes)).toBe(256);
    const reversed = Buffer.from(bytes).reverse();
    expect(await redis.append(bytes, reversed)).toBe(512);
    expect(await redis.getBuffer(bytes)).toEqual(Buffer.concat([bytes, reversed]));
  });

  it("keeps CR LF and '$' and '*' inside values, where a line reader would stop", async () => {
    const value = Buffer.from("line one\r\n$5\r\n*2\r\nline two\r\n\r\n");
    await redis.set("crlf", value);
    expect(await redis.getBuffer("crlf")).toEqual(value);
    expect(await redis.mgetBuffer("crlf", "none", "crlf")).toEqual([value, null, value]);
    expect(await redis.echoBuffer(value)).toEqual(value);
  });

  it("moves values larger than a read in both directions", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    await redis.set("big", big);
    const back = await redis.getBuffer("big");
    // Buffer.equals: Jest's deep equality walks a 3 MB buffer byte by byte, slowly.
    expect(back?.length).toBe(big.length);
    expect(back?.equals(big)).toBe(true);
    expect(await redis.strlen("big")).toBe(big.length);
  });
});
