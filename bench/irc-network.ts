/**
 * `npm run bench:irc-network`: the IRC example as a network of 3 nodes
 * sharing state through Redis, against the same clients on one node without
 * Redis, in the same run. 300 clients in 10 channels (30 each) each send
 * messages at a fixed rate; reported: messages delivered per second
 * network-wide, and the latency from send to delivery (p50, p99) — on the
 * network, only deliveries to a client on another node than the sender's.
 * Servers and Redis are pinned to core 0, the load generator to core 1
 * (taskset), so both set-ups have the same CPU.
 *
 *   node bench/dist/irc-network.js [--clients 300] [--channels 10] [--rate 2] [--seconds 10] [--runs 2]
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { freePort, hasCommand, median, onCore, pinned } from "./servers/processes";

const DEFAULTS = { clients: 300, channels: 10, rate: 2, seconds: 10, runs: 2 } as const;

/** The flags, each a number > 0 (whole for counts); an unknown flag or a bad value is an error naming it. */
function readFlags(argv: string[]): Record<keyof typeof DEFAULTS, number> {
  const names = Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: false, options: Object.fromEntries(names.map((name) => [name, { type: "string" as const }])) });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}; the flags are ${names.map((n) => `--${n}`).join(", ")}\n`);
    process.exit(2);
  }
  const result = { ...DEFAULTS } as Record<keyof typeof DEFAULTS, number>;
  for (const name of names) {
    const raw = parsed.values[name];
    if (raw === undefined) continue;
    const value = Number(raw);
    const whole = name !== "rate" && name !== "seconds";
    if (!(value > 0) || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
      process.stderr.write(`--${name} must be a ${whole ? "whole " : ""}number > 0, got ${JSON.stringify(raw)}\n`);
      process.exit(2);
    }
    result[name] = value;
  }
  return result;
}

const { clients: CLIENTS, channels: CHANNELS, rate: RATE, seconds: SECONDS, runs: RUNS } = readFlags(process.argv.slice(2));

/** A child process that prints `ready` once it is up; stopped by PID. */
async function startProcess(argv: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(" ")} did not start:\n${output}`)), 20_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${argv.join(" ")} exited with ${String(code)}:\n${output}`)));
  });
  child.removeAllListeners("exit");
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** One benchmark client: registers, joins its channel, sends stamped messages, records latencies of what it receives. */
class BenchClient {
  readonly socket: net.Socket;
  #buffer = "";
  #waiting: { pattern: RegExp; resolve: () => void } | null = null;
  received = 0;

  constructor(
    socket: net.Socket,
    readonly index: number,
    readonly node: number,
    readonly latencies: number[],
    /** Whether a message from client `sender` counts for latency. */
    readonly counts: (sender: number) => boolean,
  ) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => this.#onData(data));
    socket.on("error", () => undefined);
  }

  static connect(port: number, index: number, node: number, latencies: number[], counts: (sender: number) => boolean): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(new BenchClient(socket, index, node, latencies, counts)));
      socket.once("error", reject);
    });
  }

  #onData(data: string): void {
    const lines = (this.#buffer + data).split("\r\n");
    this.#buffer = lines.pop()!;
    const now = performance.now();
    for (const line of lines) {
      if (line.startsWith("PING ")) this.socket.write(`PONG ${line.slice(5)}\r\n`);
      const at = line.indexOf(" PRIVMSG #");
      if (at > 0) {
        // :nick PRIVMSG #ch :<sender> <sent-at>
        const text = line.slice(line.indexOf(" :", at) + 2).split(" ");
        const sender = Number(text[0]);
        this.received++;
        if (this.counts(sender)) this.latencies.push(now - Number(text[1]));
      }
      if (this.#waiting?.pattern.test(line)) {
        const { resolve } = this.#waiting;
        this.#waiting = null;
        resolve();
      }
    }
  }

  expect(pattern: RegExp): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting = { pattern, resolve };
    });
  }

  async register(channel: string): Promise<void> {
    const welcome = this.expect(/^:\S+ (376|422) /);
    this.socket.write(`NICK b${this.index}\r\nUSER b${this.index} 0 * :bench\r\n`);
    await welcome;
    const joined = this.expect(/^:\S+ 366 /);
    this.socket.write(`JOIN ${channel}\r\n`);
    await joined;
  }

  say(channel: string): void {
    this.socket.write(`PRIVMSG ${channel} :${this.index} ${performance.now().toFixed(3)}\r\n`);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Outcome {
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  counted: number;
}

/** Runs the load against servers on `ports`; client i is on node i % ports.length. */
async function load(ports: number[], crossNodeOnly: boolean): Promise<Outcome> {
  const latencies: number[] = [];
  const clients: BenchClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const node = i % ports.length;
    const counts = (sender: number): boolean => !crossNodeOnly || sender % ports.length !== node;
    const client = await BenchClient.connect(ports[node]!, i, node, latencies, counts);
    await client.register(`#bench${i % CHANNELS}`);
    clients.push(client);
  }
  // Let every node learn every membership.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  latencies.length = 0;
  for (const client of clients) client.received = 0;
  const started = performance.now();
  const interval = 1000 / RATE;
  const timers = clients.map((client, i) =>
    setTimeout(() => {
      client.say(`#bench${i % CHANNELS}`);
      const timer = setInterval(() => client.say(`#bench${i % CHANNELS}`), interval);
      timers[i] = timer;
    }, (interval * i) / CLIENTS),
  );
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  for (const timer of timers) clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last messages arrive
  const elapsed = (performance.now() - started) / 1000;
  const delivered = clients.reduce((sum, c) => sum + c.received, 0);
  for (const client of clients) client.socket.destroy();
  latencies.sort((a, b) => a - b);
  return { deliveredPerSecond: delivered / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), counted: latencies.length };
}

async function main(): Promise<void> {
  process.chdir(path.join(__dirname, "..", ".."));
  if (!hasCommand("redis-server")) throw new Error("redis-server is needed (Debian package redis-server)");
  if (pinned) execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
  else process.stderr.write("note: taskset is not available; servers and load generator are not pinned\n");
  const start = path.join("examples", "dist", "start.js");
  const common = ["--flood-burst", "1000000", "--flood-rate", "1000000", "--max-connections", "2000"];
  const results: Record<string, Outcome[]> = { "1 node, no Redis": [], "3 nodes over Redis": [] };
  for (let run = 0; run < RUNS; run++) {
    // One node, no Redis.
    {
      const port = await freePort();
      const server = await startProcess(onCore(0, [process.execPath, start, "--only", "irc", "--port", String(port), ...common]), /listening irc/);
      results["1 node, no Redis"]!.push(await load([port], false));
      await stop(server);
    }
    // Three nodes and a Redis.
    {
      const redisPort = await freePort();
      const redis = await startProcess(onCore(0, ["redis-server", "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]), /Ready to accept connections/);
      const ports: number[] = [];
      const nodes: ChildProcess[] = [];
      for (const name of ["a", "b", "c"]) {
        const port = await freePort();
        const redisFlags = ["--redis", `redis://127.0.0.1:${redisPort}`, "--server-name", `irc-${name}.local`, "--network", "Bench"];
        nodes.push(await startProcess(onCore(0, [process.execPath, start, "--only", "irc", "--port", String(port), ...common, ...redisFlags]), /listening irc/));
        ports.push(port);
      }
      results["3 nodes over Redis"]!.push(await load(ports, true));
      for (const node of nodes) await stop(node);
      await stop(redis);
    }
  }
  process.stdout.write(`\n${CLIENTS} clients, ${CHANNELS} channels, ${RATE} messages/s each for ${SECONDS} s; ${RUNS} runs (median, [min-max])\n\n`);
  process.stdout.write("| set-up | delivered/s | latency p50 | latency p99 |\n| --- | --- | --- | --- |\n");
  const range = (values: number[], digits: number): string => `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}]`;
  for (const [name, outcomes] of Object.entries(results)) {
    process.stdout.write(`| ${name} | ${range(outcomes.map((o) => o.deliveredPerSecond), 0)} | ${range(outcomes.map((o) => o.p50), 2)} ms | ${range(outcomes.map((o) => o.p99), 2)} ms |\n`);
  }
  process.stdout.write("\n(on the network, latency counts only deliveries to a client on another node than the sender's)\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
