/**
 * `npm run bench:resp-client`: the RESP client example (examples/resp-client)
 * against ioredis with `enableAutoPipelining`, the same workload in the same
 * run against the same redis-server. The server is pinned to core 0, each
 * client runs in a process of its own pinned to core 1, and the runs
 * alternate (ours, ioredis, ours, ...) so that the machine's drift weighs on
 * both alike. Workload: `--total` GETs (default 200,000) of a 16-byte value
 * over one connection, `--batch` of them in flight at a time (default
 * 10,000), after a warm-up of a tenth of that. Prints each run, the median
 * of each client and the ratio, and writes JSON to bench/results/.
 *
 * Flags: --runs N (default 5 each), --total N, --batch N. An unknown flag is
 * an error naming it.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ensureCommand, freePort, median, onCore, pinned, run, startServer } from "./servers/processes";

/** The part of a client the workload uses: one GET. */
interface GetClient {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  close(): Promise<void> | void;
}

const CLIENTS = ["resp-client", "ioredis"] as const;
type ClientName = (typeof CLIENTS)[number];

async function makeClient(name: ClientName, port: number): Promise<GetClient> {
  if (name === "resp-client") {
    // The example's compiled output (npm run build makes it); bench/ is compiled on its own.
    const { RespClient } = require(path.resolve("examples/dist/resp-client/index.js")) as {
      RespClient: { connect(o: { port: number }): Promise<{ command(...a: string[]): Promise<unknown>; close(): Promise<void> }> };
    };
    const client = await RespClient.connect({ port });
    return { get: (key) => client.command("GET", key), set: (key, value) => client.command("SET", key, value), close: () => client.close() };
  }
  const Redis = require("ioredis") as new (o: object) => {
    get(k: string): Promise<unknown>;
    set(k: string, v: string): Promise<unknown>;
    quit(): Promise<unknown>;
  };
  const client = new Redis({ port, host: "127.0.0.1", enableAutoPipelining: true, lazyConnect: false });
  await client.get("warm"); // connected
  return { get: (key) => client.get(key), set: (key, value) => client.set(key, value), close: async () => void (await client.quit()) };
}

/** In a child process: the workload with one client; prints GETs per second. */
async function child(name: ClientName, port: number, total: number, batch: number): Promise<void> {
  const client = await makeClient(name, port);
  await client.set("bench:key", "0123456789abcdef");
  const workload = async (count: number): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let done = 0; done < count; done += batch) {
      const inFlight: Array<Promise<unknown>> = [];
      for (let i = 0; i < batch && done + i < count; i++) inFlight.push(client.get("bench:key"));
      const replies = await Promise.all(inFlight);
      if (String(replies[replies.length - 1]) !== "0123456789abcdef") throw new Error(`wrong reply ${String(replies[0])}`);
    }
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  await workload(Math.max(batch, Math.floor(total / 10)));
  const rate = await workload(total);
  await client.close();
  process.stdout.write(`${JSON.stringify({ client: name, rate })}\n`);
}

function parseFlags(argv: string[]): Record<string, number | string> {
  const known = new Set(["runs", "total", "batch", "child", "port"]);
  const flags: Record<string, number | string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith("--") ? arg.slice(2) : "";
    if (!known.has(name)) throw new Error(`unknown flag ${JSON.stringify(arg)} (known: ${[...known].map((k) => `--${k}`).join(", ")})`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`flag ${arg} needs a value`);
    flags[name] = name === "child" ? value : Number(value);
    if (name !== "child" && !(Number.isSafeInteger(flags[name]) && (flags[name] as number) > 0)) throw new Error(`flag ${arg} needs a positive integer, got ${JSON.stringify(value)}`);
  }
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const total = (flags.total as number | undefined) ?? 200_000;
  const batch = (flags.batch as number | undefined) ?? 10_000;
  if (flags.child !== undefined) {
    if (!CLIENTS.includes(flags.child as ClientName)) throw new Error(`--child must be one of ${CLIENTS.join(", ")}`);
    await child(flags.child as ClientName, flags.port as number, total, batch);
    return;
  }
  const runs = (flags.runs as number | undefined) ?? 5;
  if (!ensureCommand("redis-server", ["redis-server"])) {
    process.stderr.write("SKIPPED: redis-server is missing (Debian package redis-server) and could not be installed\n");
    process.exitCode = 1;
    return;
  }
  const port = await freePort();
  const server = await startServer(
    onCore(0, ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]),
    /Ready to accept connections/,
    port,
  );
  const rates: Record<ClientName, number[]> = { "resp-client": [], ioredis: [] };
  const ratios: number[] = [];
  try {
    console.log(`${total} GETs, ${batch} in flight at a time, one connection; redis-server on core 0, clients on core 1${pinned ? "" : " (taskset unavailable: not pinned)"}`);
    for (let r = 0; r < runs; r++) {
      const round: Partial<Record<ClientName, number>> = {};
      for (const name of r % 2 === 0 ? CLIENTS : [...CLIENTS].reverse()) {
        const out = await run(onCore(1, ["node", __filename, "--child", name, "--port", String(port), "--total", String(total), "--batch", String(batch)]));
        round[name] = (JSON.parse(out.trim().split("\n").pop()!) as { rate: number }).rate;
        rates[name].push(round[name]);
      }
      const ratio = round["resp-client"]! / round.ioredis!;
      ratios.push(ratio);
      console.log(`run ${r + 1}: resp-client ${Math.round(round["resp-client"]!)} GET/s, ioredis ${Math.round(round.ioredis!)} GET/s, ratio ${ratio.toFixed(2)}`);
    }
  } finally {
    await server.stop();
  }
  const ours = median(rates["resp-client"]);
  const theirs = median(rates.ioredis);
  console.log(
    `median: resp-client ${Math.round(ours)} GET/s, ioredis ${Math.round(theirs)} GET/s, ratio of medians ${(ours / theirs).toFixed(2)}; ` +
      `per-run ratios ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} (target >= 2)`,
  );
  const directory = path.join("bench", "results");
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `resp-client-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ total, batch, runs, pinned, rates, ratios, median: { "resp-client": ours, ioredis: theirs } }, null, 2));
  console.log(`written ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
