/**
 * Redis's own tools against the server: `redis-cli --scan`, `--bigkeys`
 * and `--stat`, and a plain `redis-benchmark -q` that must run every one of
 * its default tests to the end (with a small `-n`).
 */

import { execFile, spawn } from "node:child_process";
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

/** Keys of every type, plus many strings so that SCAN needs several steps. */
async function fill(): Promise<void> {
  server.state.keyspace.clear();
  let input = "RPUSH list a b c\nHSET hash f1 v1 f2 v2\nSADD set a b c d\nZADD zset 1 a 2 b\nSET big 0123456789\n";
  for (let i = 0; i < 500; i++) input += `SET key:${i} ${i}\n`;
  await redisCli(port, [], input);
}

describeWithPeers("redis-cli", "redis-cli's scan, bigkeys and stat modes", () => {
  it("lists every key with --scan, and those matching with --pattern", async () => {
    await fill();
    const all = (await redisCli(port, ["--scan"])).stdout.trim().split("\n");
    expect(all).toHaveLength(505);
    expect(new Set(all).size).toBe(505);
    const some = (await redisCli(port, ["--scan", "--pattern", "key:1?"])).stdout.trim().split("\n").sort();
    expect(some).toEqual(Array.from({ length: 10 }, (_, i) => `key:1${i}`));
  });

  it("finds the biggest key of each type with --bigkeys", async () => {
    await fill();
    const { stdout } = await redisCli(port, ["--bigkeys"]);
    expect(stdout).toContain("Sampled 505 keys in the keyspace!");
    expect(stdout).toContain(`Biggest   list found '"list"' has 3 items`);
    expect(stdout).toContain(`Biggest   hash found '"hash"' has 2 fields`);
    expect(stdout).toContain(`Biggest string found '"big"' has 10 bytes`);
    expect(stdout).toContain(`Biggest    set found '"set"' has 4 members`);
    expect(stdout).toContain(`Biggest   zset found '"zset"' has 2 members`);
  });
});

describeWithPeers(["redis-cli", "stdbuf"], "redis-cli --stat", () => {
  it("shows keys, memory, clients and requests, with no missing field", async () => {
    await fill();
    // stdbuf: redis-cli buffers its lines when writing to a pipe.
    const child = spawn("stdbuf", ["-o0", "redis-cli", "-h", "127.0.0.1", "-p", String(port), "--stat", "-i", "0.1"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (data: Buffer) => (output += data.toString("latin1")));
    const deadline = Date.now() + 10_000;
    while (output.split("\n").length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    process.kill(child.pid!, "SIGKILL");
    const rows = output.split("\n").filter((line) => /^\d/.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      // keys, memory, clients, blocked, requests (+delta), connections: numbers where redis-cli found the fields.
      expect(row).toMatch(/^505\s+\d+(\.\d+)?[BKMG]\s+1\s+0\s+\d+ \(\+\d+\)\s+\d+\s*$/);
    }
  });
});

describeWithPeers("redis-benchmark", "redis-benchmark", () => {
  it("runs every default test to the end", async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("redis-benchmark", ["-h", "127.0.0.1", "-p", String(port), "-q", "-n", "300", "-c", "5"], { timeout: 120_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });
    const finished = stdout
      .split(/[\r\n]/)
      .map((line) => /^(.+): [\d.]+ requests per second/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(finished).toEqual([
      "PING_INLINE",
      "PING_MBULK",
      "SET",
      "GET",
      "INCR",
      "LPUSH",
      "RPUSH",
      "LPOP",
      "RPOP",
      "SADD",
      "HSET",
      "SPOP",
      "ZADD",
      "ZPOPMIN",
      "LPUSH (needed to benchmark LRANGE)",
      "LRANGE_100 (first 100 elements)",
      "LRANGE_300 (first 300 elements)",
      "LRANGE_500 (first 500 elements)",
      "LRANGE_600 (first 600 elements)",
      "MSET (10 keys)",
    ]);
    expect(stdout).not.toMatch(/error/i);
  }, 150_000);
});
