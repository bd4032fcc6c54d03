/**
 * A ChatServer on several worker processes (node:cluster), run as a real
 * process tree: connections spread over the workers, a killed worker is
 * replaced while the port keeps answering, a rolling restart (SIGHUP)
 * neither refuses nor cuts a connection, SIGTERM drains and exits.
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { parseWorkerCount } from "@asynchat/core";

const fixture = path.join(__dirname, "../fixtures/cluster-server.ts");

/** The running cluster: its primary, its port, and everything it printed. */
interface Cluster {
  primary: ChildProcess;
  port: number;
  workers: number[];
  output: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function startCluster(workers: number): Promise<Cluster> {
  const primary = spawn(process.execPath, ["--import", "tsx", fixture, String(workers)], { stdio: ["ignore", "pipe", "pipe"] });
  running.push(primary);
  let output = "";
  primary.stdout!.on("data", (data: Buffer) => (output += data.toString()));
  primary.stderr!.on("data", (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => primary.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${output}`)), 20_000);
    const check = (): void => {
      const match = /listening cluster 127\.0\.0\.1:(\d+) ([\d,]+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      primary.stdout!.off("data", check);
      resolve({ primary, port: Number(match[1]), workers: match[2]!.split(",").map(Number), output: () => output, exited });
    };
    primary.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`the primary exited (${code}): ${output}`)));
  });
}

/** One connection: send a line, read the answer, close. Resolves with the answering pid, or rejects saying what failed. */
function ask(port: number, line = "hi"): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let got = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer within 5 s"));
    }, 5000);
    socket.on("connect", () => socket.write(`${line}\n`));
    socket.on("data", (data: Buffer) => {
      got += data.toString();
      if (!got.endsWith("\n")) return;
      clearTimeout(timer);
      socket.end();
      const [pid, echoed] = got.trim().split(" ");
      if (echoed === line) resolve(Number(pid));
      else reject(new Error(`wrong answer ${JSON.stringify(got)}`));
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (!got.endsWith("\n")) reject(new Error(`connection closed before the answer (got ${JSON.stringify(got)})`));
    });
  });
}

/** Asks over and over, `concurrency` at a time, until `stop()` is true or `limit` is reached; counts answers per pid and failures. */
async function askInLoop(port: number, until: () => boolean, concurrency = 2, limit = 20_000): Promise<{ answers: Map<number, number>; failures: string[] }> {
  const answers = new Map<number, number>();
  const failures: string[] = [];
  let asked = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until() && asked < limit) {
        asked++;
        try {
          const pid = await ask(port, `n${asked}`);
          answers.set(pid, (answers.get(pid) ?? 0) + 1);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    }),
  );
  return { answers, failures };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a ChatServer on a cluster of workers", () => {
  jest.setTimeout(60_000);

  it("spreads connections over every worker", async () => {
    const cluster = await startCluster(2);
    const pids: number[] = [];
    for (let i = 0; i < 40; i++) pids.push(await ask(cluster.port));
    const counts = new Map<number, number>();
    for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...cluster.workers].sort());
    for (const count of counts.values()) expect(count).toBeGreaterThanOrEqual(10);
  });

  it("replaces a worker killed with SIGKILL, and the port keeps answering", async () => {
    const cluster = await startCluster(2);
    const [victim, survivor] = cluster.workers as [number, number];
    process.kill(victim, "SIGKILL");
    await waitFor(() => cluster.output().includes(`exit ${victim} null SIGKILL unexpected`), "the primary sees the death");
    // Every connection is answered while the replacement starts and after.
    const pids: number[] = [];
    for (let i = 0; i < 30; i++) pids.push(await ask(cluster.port));
    await waitFor(() => /worker \d+/.test(cluster.output()), "a replacement listens");
    const replacement = Number(/worker (\d+)/.exec(cluster.output())![1]);
    expect(replacement).not.toBe(victim);
    expect(alive(replacement)).toBe(true);
    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push(await ask(cluster.port));
    expect(new Set(after)).toEqual(new Set([survivor, replacement]));
    expect(pids).not.toContain(victim);
  });

  it("restarts every worker on SIGHUP with no connection refused or cut", async () => {
    const cluster = await startCluster(2);
    let done = false;
    const loop = askInLoop(cluster.port, () => done);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cluster.primary.kill("SIGHUP");
    await waitFor(() => cluster.output().includes("rolling restart done"), "the rolling restart ends");
    await new Promise((resolve) => setTimeout(resolve, 300));
    done = true;
    const { answers, failures } = await loop;
    expect(failures).toEqual([]);
    const newWorkers = [...cluster.output().matchAll(/worker (\d+)/g)].map((m) => Number(m[1]));
    expect(newWorkers).toHaveLength(2);
    for (const old of cluster.workers) expect(alive(old)).toBe(false);
    // Old and new workers both answered during the run, and the new ones answer now.
    expect([...answers.keys()].some((pid) => cluster.workers.includes(pid))).toBe(true);
    expect([...answers.keys()].some((pid) => newWorkers.includes(pid))).toBe(true);
    expect(newWorkers).toContain(await ask(cluster.port));
  });

  it("closes every worker gracefully on SIGTERM and exits 0", async () => {
    const cluster = await startCluster(2);
    const idle = net.connect({ port: cluster.port, host: "127.0.0.1" });
    const ended = new Promise<string>((resolve) => {
      let got = "";
      idle.on("data", (data: Buffer) => (got += data.toString()));
      idle.on("close", () => resolve(got));
    });
    idle.write("last\n");
    await new Promise((resolve) => setTimeout(resolve, 200));
    cluster.primary.kill("SIGTERM");
    expect(await cluster.exited).toBe(0);
    expect(await ended).toMatch(/^\d+ last\n$/);
    for (const pid of cluster.workers) expect(alive(pid)).toBe(false);
    expect(cluster.output()).toContain("expected");
    expect(cluster.output()).not.toContain("unexpected");
  });
});

describe("a cluster that cannot start", () => {
  it("rejects with the worker's own error code when the port is in use, and never says it listens", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const primary = spawn(process.execPath, ["--import", "tsx", fixture, "2", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
      running.push(primary);
      let output = "";
      primary.stdout!.on("data", (data: Buffer) => (output += data.toString()));
      primary.stderr!.on("data", (data: Buffer) => (output += data.toString()));
      const code = await new Promise<number | null>((resolve) => primary.once("exit", resolve));
      expect(code).toBe(1);
      expect(output).toMatch(/WorkerStartError ERR_WORKER_START_FAILED EADDRINUSE: worker \d+ failed to start: .*EADDRINUSE/);
      expect(output).not.toContain("listening cluster");
    } finally {
      taken.close();
    }
  });
});

describe("worker counts", () => {
  it("reads integers >= 1 and auto, and refuses anything else naming it", () => {
    expect(parseWorkerCount("3")).toBe(3);
    expect(parseWorkerCount(1)).toBe(1);
    expect(parseWorkerCount("auto")).toBeGreaterThanOrEqual(1);
    for (const bad of ["0", "-1", "1.5", "two", "", 0]) {
      expect(() => parseWorkerCount(bad, "--workers")).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("--workers") }));
    }
  });
});
