/**
 * RespClient against the RESP example server of this repository
 * (examples/resp), in the same process: reply types, error replies,
 * pipelining, and a reconnection when the server closes the connection.
 */

import { type RespServer, startRespServer } from "../../resp";
import { ReplyError, RespClient } from "..";

let server: RespServer;
let port: number;

beforeAll(async () => {
  server = await startRespServer({ port: 0, host: "127.0.0.1" });
  port = server.address!.port;
});
afterAll(() => server.close());

describe("RespClient against the RESP example", () => {
  it("reads every reply type the example sends", async () => {
    const client = await RespClient.connect({ port });
    try {
      expect(await client.command("SET", "greeting", "hello")).toBe("OK");
      expect(await client.command("GET", "greeting")).toEqual(Buffer.from("hello"));
      expect(await client.command("GET", "absent")).toBeNull();
      expect(await client.command("APPEND", "greeting", " world")).toBe(11);
      expect(await client.command("RPUSH", "queue", "a", "b")).toBe(2);
      expect(await client.command("LRANGE", "queue", 0, -1)).toEqual([Buffer.from("a"), Buffer.from("b")]);
      expect(await client.command("PING")).toBe("PONG");
      const error = await client.command("GET").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReplyError);
      expect((error as Error).message).toBe("ERR wrong number of arguments for 'get' command");
    } finally {
      await client.close();
    }
  });

  it("pipelines 20,000 commands and gets every reply in order", async () => {
    const client = await RespClient.connect({ port });
    try {
      const sets = Array.from({ length: 10_000 }, (_, i) => client.command("SET", `key:${i}`, `value:${i}`));
      const gets = Array.from({ length: 10_000 }, (_, i) => client.command("GET", `key:${i}`));
      expect((await Promise.all(sets)).every((r) => r === "OK")).toBe(true);
      const values = (await Promise.all(gets)).map(String);
      expect(values.filter((v, i) => v !== `value:${i}`)).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("reconnects after the server kills its connection", async () => {
    const client = await RespClient.connect({ port, reconnect: { initialDelay: 10 } });
    const killer = await RespClient.connect({ port });
    try {
      const info = String(await client.command("CLIENT", "INFO"));
      const id = /id=(\d+)/.exec(info)![1]!;
      const reconnected = new Promise<void>((resolve) => client.once("connect", () => resolve()));
      expect(await killer.command("CLIENT", "KILL", "ID", id)).toBe(1);
      await reconnected;
      expect(await client.command("PING")).toBe("PONG");
    } finally {
      client.destroy();
      killer.destroy();
    }
  });
});
