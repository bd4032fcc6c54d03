/**
 * Many connections at once: the RESP or IRC example holds `total`
 * connections in one process (each registered, for IRC), every one of them
 * answers a PING once all are open, then all are closed. The connections
 * come from several load processes, each from its own loopback source
 * address (127.0.<row>.3, 127.0.<row>.4, …) so that together they pass one
 * address's ephemeral ports. Reported: the time to open them all and the
 * accept rate, the server's RSS per idle connection (target ≤ 6 KB), PINGs
 * answered, connections closed, the heap before and after.
 */

import { type ChildProcess, execFileSync, fork } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { type HeapGrowth, heapGrowth, mb, printReport, startSoakServer } from "./child";
import type { OpenRequest } from "./hold-client";

/** Figures of one many-connections run. */
export interface HoldResult extends HeapGrowth {
  example: "resp" | "irc" | "net";
  wanted: number;
  opened: number;
  answered: number;
  closed: number;
  openSeconds: number;
  acceptRate: number;
  rssPerIdleConnection: number;
  /** Of that, the JavaScript heap (after a forced GC); the rest is native: libuv handles, stream state outside the heap, malloc. */
  heapPerIdleConnection: number;
  /** V8's committed heap per connection: what it uses plus the free room it keeps. */
  heapCommittedPerIdleConnection: number;
  /** RSS per connection of the second half opened alone (against the server holding the first half): the marginal cost. */
  marginalRssPerIdleConnection: number;
  peakRss: number;
}

/** Connections per load process: below the usual 20,000 open-file limit, and well within one source address's ports. */
const PER_PROCESS = 15_000;

/**
 * Pins a process to one CPU (the server to the first, the load processes to
 * the second) so that they do not take each other's time slices; says so and
 * carries on unpinned where `taskset` or a second CPU is missing.
 */
function pin(pid: number | undefined, cpu: number): string {
  if (pid === undefined || os.availableParallelism() < 2) return "unpinned (one CPU)";
  try {
    execFileSync("taskset", ["-pc", String(cpu), String(pid)], { stdio: "ignore" });
    return `CPU ${cpu}`;
  } catch {
    return "unpinned (no taskset)";
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KB`;
}

/** How long a load process may take over one step (its own steps give up after 300 s). */
const ASK_TIMEOUT = 330_000;

function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const step = JSON.stringify(message);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`a load process exited with ${code} while asked ${step}`));
    };
    // A step that never answers fails the run, naming it, rather than holding it for ever.
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      reject(new Error(`a load process did not answer ${step} within ${ASK_TIMEOUT / 1000} s`));
    }, ASK_TIMEOUT);
    child.once("message", (reply) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(reply as T);
    });
    child.once("exit", onExit);
    child.send(message as object);
  });
}

/** Each row's own loopback source addresses (127.0.<row>.2, .3, …), so that one row's closed connections, still in TIME_WAIT, never meet the next row's. */
const ROW = { net: 1, resp: 2, irc: 3 } as const;

/** Runs one example with `total` connections and prints its figures. */
export async function holdSoak(example: "resp" | "irc" | "net", total: number): Promise<HoldResult> {
  // No idle timeout or keep-alive PING while they are held; --max-connections (resp's --max-clients) above the total.
  const flags = example === "resp" ? ["--timeout", "0"] : example === "irc" ? ["--ping-interval", "3600"] : [];
  const server = await startSoakServer(example, [...flags, "--max-connections", String(total + 100)]);
  // The bare server speaks just enough RESP: +PONG to a PING.
  const protocol = example === "irc" ? "irc" : "resp";
  const processes = Math.ceil(total / PER_PROCESS);
  const clients = Array.from({ length: processes }, () => fork(path.join(__dirname, "hold-client.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const pinning = `server on ${pin(server.child.pid, 0)}, load on ${clients.map((child) => pin(child.pid, 1))[0]}`;
  try {
    // A small warm-up run, so that "before" is a server whose code is compiled.
    await ask(clients[0]!, { open: { port: server.port, source: `127.0.${ROW[example]}.2`, count: 200, protocol, prefix: "w" } satisfies OpenRequest });
    await ask(clients[0]!, "ping");
    await ask(clients[0]!, "close");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await server.stats();
    // Opened in two halves, the server's memory taken between them: the second half's cost per connection is
    // the marginal one, free of what the server grows once whatever the number (V8's young generation, allocator arenas).
    type Opened = { opened: number; failed: number; errors: Record<string, number>; ms: number };
    const openHalf = async (half: 0 | 1): Promise<{ opens: Opened[]; seconds: number }> => {
      const started = process.hrtime.bigint();
      const opens = await Promise.all(
        clients.map((child, i) => {
          const share = Math.min(PER_PROCESS, total - i * PER_PROCESS);
          const first = Math.ceil(share / 2);
          const request: OpenRequest = { port: server.port, source: `127.0.${ROW[example]}.${i + 3}`, count: half === 0 ? first : share - first, protocol, prefix: `c${i}${"ab"[half]}` };
          return ask<Opened>(child, { open: request });
        }),
      );
      return { opens, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    };
    const first = await openHalf(0);
    const middle = await server.stats();
    const second = await openHalf(1);
    const openSeconds = first.seconds + second.seconds;
    const opens = [...first.opens, ...second.opens];
    const opened = opens.reduce((n, o) => n + o.opened, 0);
    const openedFirst = first.opens.reduce((n, o) => n + o.opened, 0);
    const failures = new Map<string, number>();
    for (const o of opens) for (const [cause, n] of Object.entries(o.errors)) failures.set(cause, (failures.get(cause) ?? 0) + n);
    const held = await server.stats();
    const pings = await Promise.all(clients.map((child) => ask<{ answered: number; ms: number }>(child, "ping")));
    const answered = pings.reduce((n, p) => n + p.answered, 0);
    const closes = await Promise.all(clients.map((child) => ask<{ closed: number; ms: number }>(child, "close")));
    const closed = closes.reduce((n, c) => n + c.closed, 0);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await server.stats();
    const result: HoldResult = {
      example,
      wanted: total,
      opened,
      answered,
      closed,
      openSeconds,
      acceptRate: opened / openSeconds,
      rssPerIdleConnection: (held.rss - before.rss) / Math.max(1, opened),
      heapPerIdleConnection: (held.heapUsed - before.heapUsed) / Math.max(1, opened),
      heapCommittedPerIdleConnection: (held.heapTotal - before.heapTotal) / Math.max(1, opened),
      marginalRssPerIdleConnection: (held.rss - middle.rss) / Math.max(1, opened - openedFirst),
      peakRss: after.peakRss,
      ...heapGrowth(before, after),
    };
    printReport(
      [
        `${example === "net" ? "bare node:net (the floor)" : example.toUpperCase()} holding ${total} connections at once (${processes} load processes, source addresses 127.0.${ROW[example]}.3–127.0.${ROW[example]}.${processes + 2}; ${pinning})`,
        `  opened${example === "irc" ? " and registered" : ""}  ${opened} of ${total} in ${openSeconds.toFixed(1)} s (${Math.round(result.acceptRate)} connections/s)`,
        ...(failures.size === 0 ? [] : [`  not opened, by cause     ${[...failures].map(([cause, n]) => `${cause} ×${n}`).join(", ")}`]),
        `  answered PING            ${answered} of ${opened}`,
        `  closed cleanly           ${closed} of ${opened}`,
        `  RSS per idle connection  ${kb(result.rssPerIdleConnection)}${example === "net" ? "" : " (target 6 KB)"} after a forced GC, against the server before them`,
        `    of it, JavaScript heap ${kb(result.heapPerIdleConnection)} used (${kb(result.heapCommittedPerIdleConnection)} committed); the rest native and allocator`,
        `    marginal (second half) ${kb(result.marginalRssPerIdleConnection)}: without what the server grows once, whatever the number`,
      ],
      result,
    );
    return result;
  } finally {
    for (const child of clients) child.disconnect();
    await server.stop();
  }
}
