/**
 * The same server through node-redis (`redis` on npm), the other common
 * client: its handshake (CLIENT SETINFO), commands, automatic pipelining
 * of commands sent together, explicit pipelines, and Buffers both ways.
 * node-redis speaks RESP3 by default; this server speaks RESP2, so the
 * client is asked for RESP2 (`HELLO 3` gets NOPROTO, as from any server
 * without RESP3).
 */

import { RESP_TYPES, createClient } from "redis";
import type { RespServer } from "../server";
import { portOf, testServer } from "./helpers";

let server: RespServer;
let client: ReturnType<typeof createClient<{}, {}, {}, 2>>;

beforeAll(async () => {
  server = await testServer();
  client = createClient({ RESP: 2, socket: { port: portOf(server), host: "127.0.0.1", reconnectStrategy: false } });
  client.on("error", () => undefined);
  await client.connect();
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(async () => {
  await client.flushAll();
});

describe("node-redis", () => {
  it("connects through its handshake and runs the basic commands", async () => {
    expect(await client.ping()).toBe("PONG");
    expect(await client.set("k", "v")).toBe("OK");
    expect(await client.get("k")).toBe("v");
    expect(await client.set("k", "w", { condition: "NX" })).toBeNull();
    expect(await client.set("k", "w", { GET: true })).toBe("v");
    expect(await client.exists(["k", "nope"])).toBe(1);
    expect(await client.del(["k", "nope"])).toBe(1);
    expect(await client.dbSize()).toBe(0);
  });

  it("counts, appends and measures", async () => {
    expect(await client.incr("n")).toBe(1);
    expect(await client.incrBy("n", 9)).toBe(10);
    expect(await client.decrBy("n", 3)).toBe(7);
    expect(await client.decr("n")).toBe(6);
    expect(await client.append("s", "abc")).toBe(3);
    expect(await client.strLen("s")).toBe(3);
    expect(await client.getSet("s", "xyz")).toBe("abc");
    await expect(client.incr("s")).rejects.toThrow("ERR value is not an integer or out of range");
  });

  it("sets several keys at once and reads them back", async () => {
    expect(await client.mSet({ a: "1", b: "2" })).toBe("OK");
    expect(await client.mGet(["a", "b", "c"])).toEqual(["1", "2", null]);
    expect((await client.keys("*")).sort()).toEqual(["a", "b"]);
  });

  it("handles expiry times", async () => {
    await client.set("k", "v", { expiration: { type: "EX", value: 100 } });
    expect(await client.ttl("k")).toBe(100);
    expect(await client.pExpire("k", 200_000)).toBe(1);
    expect(await client.pTTL("k")).toBeGreaterThan(199_000);
    expect(await client.persist("k")).toBe(1);
    expect(await client.ttl("k")).toBe(-1);
    expect(await client.expire("k", -5)).toBe(1);
    expect(await client.get("k")).toBeNull();
  });

  it("answers hundreds of commands sent together, in order", async () => {
    const replies = await Promise.all(Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? client.incr("counter") : client.get("counter"))));
    replies.forEach((reply, i) => expect(reply).toEqual(i % 2 === 0 ? i / 2 + 1 : String((i + 1) / 2)));
  });

  it("runs an explicit pipeline", async () => {
    const pipeline = client.multi();
    for (let i = 0; i < 300; i++) pipeline.set(`key:${i}`, String(i)).get(`key:${i}`);
    const results = await pipeline.execAsPipeline();
    expect(results).toHaveLength(600);
    for (let i = 0; i < 300; i++) expect(results.slice(2 * i, 2 * i + 2)).toEqual(["OK", String(i)]);
  });

  it("keeps binary values intact, all 256 byte values and CR LF included", async () => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\r\n\r\n$3\r\n")]);
    const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    expect(await binary.set(bytes, bytes)).toBe("OK");
    expect(await binary.get(bytes)).toEqual(bytes);
    expect(await binary.sendCommand(["ECHO", bytes])).toEqual(bytes);
  });

  it("reports errors from the server as errors, and carries on", async () => {
    await expect(client.sendCommand(["NOPE", "a", "b"])).rejects.toThrow("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ");
    await expect(client.sendCommand(["GET"])).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await client.ping()).toBe("PONG");
  });
});
