/**
 * The server side of a soak run, in its own process so that its memory is
 * its own: `node --expose-gc bench/dist/soak/server.js <example> [--flag value]...`.
 * Starts the built example (or `net`, a bare node:net server, the floor) on 127.0.0.1, port 0, prints `listening <port>`,
 * and answers `stats` messages over IPC with its memory after a forced GC.
 */

import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as v8 from "node:v8";

/** What the soak runner asks for and gets back. */
export interface ServerStats {
  heapUsed: number;
  /** V8's heap as committed (used, plus free room it keeps). */
  heapTotal: number;
  rss: number;
  /** Peak RSS of the process so far (Linux VmHWM), or the current RSS elsewhere. */
  peakRss: number;
  /** Of `heapUsed`, the compiled code (V8's code space): it grows as the JIT optimizes hot paths, which is not data kept. */
  codeSpace: number;
}

interface RunningExample {
  readonly address: { port: number } | null;
  close(): Promise<void>;
}

interface Example {
  name: string;
  start(options: { port: number; host: string; flags: Record<string, string>; maxConnections?: number }): Promise<RunningExample>;
}

function peakRss(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.memoryUsage().rss;
}

function stats(): ServerStats {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  const code = v8.getHeapSpaceStatistics().find((space) => space.space_name === "code_space");
  return { heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, rss: usage.rss, peakRss: peakRss(), codeSpace: code?.space_used_size ?? 0 };
}

/**
 * The floor the examples are measured against: a bare `node:net` server, no
 * channel, no framing, no state, that answers every read with `+PONG`
 * (the soak's clients send one `PING` line at a time and wait).
 */
function startBareNet(): Promise<RunningExample> {
  const pong = Buffer.from("+PONG\r\n", "latin1");
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("data", () => socket.write(pong));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
  });
  server.maxConnections = Infinity;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({
        address: server.address() as net.AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const flags: Record<string, string> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) flags[rest[i]!.replace(/^--/, "")] = rest[i + 1]!;
  // The examples are built JavaScript beside the benchmarks; loaded at run time, not compiled in.
  const { examples } = require(path.join(__dirname, "..", "..", "..", "examples", "dist", "registry.js")) as { examples: Example[] };
  const example = examples.find((e) => e.name === name);
  if (example === undefined && name !== "net") throw new Error(`no example named ${name} (nor "net", the bare node:net floor)`);
  // --max-connections is a common flag: the command line hands it to the example as a number.
  const limit = flags["max-connections"];
  const server =
    example === undefined ? await startBareNet() : await example.start({ port: 0, host: "127.0.0.1", flags, ...(limit === undefined ? {} : { maxConnections: Number(limit) }) });
  process.stdout.write(`listening ${server.address?.port}\n`);
  process.on("message", (message: string) => {
    if (message === "stats") process.send!(stats());
    if (message === "close") void server.close().then(() => process.send!("closed"));
  });
  process.on("disconnect", () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
