/**
 * Redis's own command-line client against the server: one-shot commands,
 * commands read from standard input, a value from standard input (`-x`),
 * and mass insertion with `--pipe`.
 */

import { describeWithPeers } from "../../../test-support/peers";
import type { RespServer } from "../server";
import { portOf, redisCli, testServer } from "./helpers";

let server: RespServer;
let port: number;

beforeAll(async () => {
  server = await testServer();
  port = portOf(server);
});

afterAll(() => server.close());

beforeEach(() => server.state.keyspace.clear());

describeWithPeers("redis-cli", "redis-cli", () => {
  it("pings, sets and gets", async () => {
    expect((await redisCli(port, ["PING"])).stdout).toBe("PONG\n");
    expect((await redisCli(port, ["SET", "greeting", "hello world"])).stdout).toBe("OK\n");
    expect((await redisCli(port, ["GET", "greeting"])).stdout).toBe("hello world\n");
    expect((await redisCli(port, ["--no-raw", "GET", "greeting"])).stdout).toBe('"hello world"\n');
  });

  it("shows arrays, nil and integers as Redis's own server would have them shown", async () => {
    await redisCli(port, ["MSET", "a", "1", "b", "2"]);
    expect((await redisCli(port, ["--no-raw", "MGET", "a", "nope", "b"])).stdout).toBe('1) "1"\n2) (nil)\n3) "2"\n');
    expect((await redisCli(port, ["--no-raw", "INCRBY", "a", "41"])).stdout).toBe("(integer) 42\n");
    expect((await redisCli(port, ["--no-raw", "CONFIG", "GET", "appendonly"])).stdout).toBe('1) "appendonly"\n2) "no"\n');
  });

  it("prints the server's error replies", async () => {
    expect((await redisCli(port, ["GET"])).stdout).toBe("ERR wrong number of arguments for 'get' command\n\n");
    expect((await redisCli(port, ["--no-raw", "NOPE", "x"])).stdout).toBe("(error) ERR unknown command 'NOPE', with args beginning with: 'x' \n");
  });

  it("runs commands read from standard input, one per line", async () => {
    const { stdout } = await redisCli(port, [], "SET counter 10\nINCR counter\nGET counter\nDBSIZE\n");
    expect(stdout).toBe("OK\n11\n11\n1\n");
  });

  it("stores a value read from standard input with -x, bytes intact", async () => {
    const value = "line one\r\nline two\n\x00\xff";
    expect((await redisCli(port, ["-x", "SET", "file"], Buffer.from(value, "latin1"))).stdout).toBe("OK\n");
    expect(server.state.keyspace.get(Buffer.from("file"), 0, 4)?.toString("latin1")).toBe(`file$${value.length}\r\n${value}\r\n`);
    expect((await redisCli(port, ["STRLEN", "file"])).stdout).toBe(`${value.length}\n`);
  });

  it("inserts a thousand keys with --pipe", async () => {
    let input = "";
    for (let i = 0; i < 1000; i++) input += `*3\r\n$3\r\nSET\r\n$${`key:${i}`.length}\r\nkey:${i}\r\n$${String(i).length}\r\n${i}\r\n`;
    const { stdout } = await redisCli(port, ["--pipe"], input);
    expect(stdout).toContain("errors: 0, replies: 1000");
    expect(server.state.keyspace.size).toBe(1000);
    expect((await redisCli(port, ["GET", "key:999"])).stdout).toBe("999\n");
  });
});
