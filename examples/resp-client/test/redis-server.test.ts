/**
 * RespClient against a real redis-server (started here, generated config,
 * stopped by PID): every reply type, automatic pipelining in one write,
 * and what happens when the connection drops — in-flight commands rejected,
 * new ones queued (bounded) and sent after the reconnection, giving up
 * after maxAttempts.
 */

import * as net from "node:net";
import { describeWithPeers } from "../../../test-support/peers";
import { ReplyError, RespClient, RespClientError } from "..";
import { type RedisProcess, startRedis } from "./redis";

const codeOf = (error: unknown): string | undefined => (error as { code?: string }).code;

/** Waits for the next `event` of `client`. */
function next(client: RespClient, event: "connect" | "close" | "reconnecting"): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()));
}

describeWithPeers("redis-server", "RespClient against redis-server", () => {
  let redis: RedisProcess;
  let client: RespClient;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    client = await RespClient.connect({ port: redis.port, host: "127.0.0.1" });
    await client.command("FLUSHALL");
  });
  afterEach(() => client.destroy());

  it("turns each reply type into its value", async () => {
    expect(await client.command("SET", "key", "value")).toBe("OK");
    expect(await client.command("PING")).toBe("PONG");
    expect(await client.command("GET", "key")).toEqual(Buffer.from("value"));
    expect(await client.command("GET", "missing")).toBeNull();
    expect(await client.command("INCRBY", "n", 41)).toBe(41);
    expect(await client.command("INCR", "n")).toBe(42);
    expect(await client.command("RPUSH", "list", "a", "b", "c")).toBe(3);
    expect(await client.command("LRANGE", "list", 0, -1)).toEqual([Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]);
    expect(await client.command("LRANGE", "nothing", 0, -1)).toEqual([]);
    expect(await client.command("BLPOP", "nothing", "0.01")).toBeNull(); // the null array
  });

  it("gives nested arrays, with an error reply inside as an element", async () => {
    expect(await client.command("MULTI")).toBe("OK");
    expect(await client.command("RPUSH", "l", "x", "y")).toBe("QUEUED");
    expect(await client.command("LRANGE", "l", 0, -1)).toBe("QUEUED");
    expect(await client.command("SET", "s", "1")).toBe("QUEUED");
    expect(await client.command("LPUSH", "s", "oops")).toBe("QUEUED");
    const results = (await client.command("EXEC")) as unknown[];
    expect(results.slice(0, 3)).toEqual([2, [Buffer.from("x"), Buffer.from("y")], "OK"]);
    expect(results[3]).toBeInstanceOf(ReplyError);
    expect((results[3] as ReplyError).code).toBe("WRONGTYPE");
  });

  it("rejects an error reply with an Error carrying the server's text", async () => {
    const error = await client.command("NOSUCHCOMMAND", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ReplyError);
    expect((error as Error).message).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
    expect(codeOf(error)).toBe("ERR");
    expect(await client.command("PING")).toBe("PONG"); // the connection goes on
  });

  it("sends bytes and UTF-8 as they are", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await client.command("SET", Buffer.from("bin\r\nkey"), bytes);
    expect(await client.command("GET", Buffer.from("bin\r\nkey"))).toEqual(bytes);
    await client.command("SET", "ключ", "значение ✓");
    expect(((await client.command("GET", "ключ")) as Buffer).toString("utf8")).toBe("значение ✓");
    expect(await client.command("STRLEN", "ключ")).toBe(Buffer.byteLength("значение ✓"));
  });

  it("sends the commands issued in one tick in one write, and matches 50,000 replies in order", async () => {
    const writes: number[] = [];
    const socketWrite = net.Socket.prototype._write;
    const socketWritev = net.Socket.prototype._writev!;
    const port = redis.port;
    const spyWrite = function (this: net.Socket, ...args: Parameters<typeof socketWrite>): void {
      if (this.remotePort === port) writes.push(1);
      return socketWrite.apply(this, args);
    };
    const spyWritev = function (this: net.Socket, ...args: Parameters<typeof socketWritev>): void {
      if (this.remotePort === port) writes.push(args[0].length);
      return socketWritev.apply(this, args);
    };
    net.Socket.prototype._write = spyWrite;
    net.Socket.prototype._writev = spyWritev;
    let replies: unknown[];
    try {
      const sent = Array.from({ length: 1000 }, (_, i) => client.command("SET", `k${i}`, i % 2 === 0 ? `v${i}` : Buffer.from(`v${i}`)));
      replies = await Promise.all(sent);
    } finally {
      net.Socket.prototype._write = socketWrite;
      net.Socket.prototype._writev = socketWritev;
    }
    expect(replies.every((r) => r === "OK")).toBe(true);
    expect(writes).toHaveLength(1);

    const gets = Array.from({ length: 50_000 }, (_, i) => client.command("GET", `k${i % 1000}`));
    const values = await Promise.all(gets);
    const wrong = values.filter((value, i) => (value as Buffer).toString() !== `v${i % 1000}`);
    expect(wrong).toEqual([]);
  });

  it("rejects the commands in flight when the connection drops, reconnects, and goes on", async () => {
    const admin = await RespClient.connect({ port: redis.port });
    try {
      const blocked = client.command("BLPOP", "never", 0).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const reconnected = next(client, "connect");
      expect(await admin.command("CLIENT", "KILL", "TYPE", "normal")).toBeGreaterThanOrEqual(1);
      const error = await blocked;
      expect(error).toBeInstanceOf(RespClientError);
      expect(codeOf(error)).toBe("ERR_CONNECTION_LOST");
      await reconnected;
      expect(await client.command("PING")).toBe("PONG");
    } finally {
      admin.destroy();
    }
  });

  it("queues commands while the server is down, at most maxQueue, and sends them in order once it is back", async () => {
    const port = redis.port;
    const queued = await RespClient.connect({ port, maxQueue: 3, reconnect: { initialDelay: 20, maxDelay: 100, maxAttempts: 100 } });
    try {
      await queued.command("SET", "counter", 0);
      const reconnecting = next(queued, "reconnecting");
      await redis.stop();
      await reconnecting;
      const waiting = [queued.command("INCR", "counter"), queued.command("INCR", "counter"), queued.command("GET", "counter")];
      const refused = await queued.command("PING").catch((e: unknown) => e);
      expect(codeOf(refused)).toBe("ERR_QUEUE_FULL");
      expect(queued.queued).toBe(3);
      redis = await startRedis(port);
      // A fresh server: the counter starts from nothing, and the queued commands run in order.
      expect(await Promise.all(waiting)).toEqual([1, 2, Buffer.from("2")]);
      expect(queued.connected).toBe(true);
    } finally {
      queued.destroy();
    }
  });

  it("gives up after maxAttempts: the waiting commands fail with ERR_CONNECTION_FAILED and the client closes", async () => {
    const port = redis.port;
    const doomed = await RespClient.connect({ port, reconnect: { initialDelay: 10, maxDelay: 20, maxAttempts: 3 } });
    const attempts: number[] = [];
    doomed.on("reconnecting", ({ attempt, delay }) => attempts.push(attempt, delay));
    doomed.on("error", () => undefined);
    const closed = next(doomed, "close");
    await redis.stop();
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const waiting = doomed.command("PING").catch((e: unknown) => e);
      await closed;
      expect(codeOf(await waiting)).toBe("ERR_CONNECTION_FAILED");
      expect(attempts).toEqual([1, 10, 2, 20, 3, 20]);
      expect(codeOf(await doomed.command("PING").catch((e: unknown) => e))).toBe("ERR_CLIENT_CLOSED");
    } finally {
      redis = await startRedis(port);
    }
  });

  it("close() lets the replies in flight arrive, then closes; later commands are refused", async () => {
    const sent = Array.from({ length: 100 }, (_, i) => client.command("ECHO", `m${i}`));
    const closing = client.close();
    const late = await client.command("PING").catch((e: unknown) => e);
    expect(codeOf(late)).toBe("ERR_CLIENT_CLOSED");
    expect((await Promise.all(sent)).map(String)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    await closing;
    expect(client.connected).toBe(false);
  });
});
