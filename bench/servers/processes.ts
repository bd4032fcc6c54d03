/**
 * Starting servers and load generators for the server benchmarks: pinned to
 * a core with `taskset` when it exists, waiting for a server's
 * `listening` line, reading its peak memory, stopping it.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as net from "node:net";

/** Whether a command is on the PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Tries to install Debian packages (as root, or with sudo); returns whether `command` exists afterwards. */
export function ensureCommand(command: string, debianPackages: string[]): boolean {
  if (hasCommand(command)) return true;
  if (!hasCommand("apt-get")) return false;
  const sudo = process.getuid?.() === 0 ? [] : hasCommand("sudo") ? ["sudo", "-n"] : null;
  if (sudo === null) return false;
  process.stderr.write(`installing ${debianPackages.join(" ")} for ${command}...\n`);
  try {
    // policy-rc.d keeps packages such as postfix or redis-server from starting services.
    const script = [
      "printf '#!/bin/sh\\nexit 101\\n' > /tmp/asynchat-policy-rc.d && chmod +x /tmp/asynchat-policy-rc.d",
      "[ -e /usr/sbin/policy-rc.d ] || cp /tmp/asynchat-policy-rc.d /usr/sbin/policy-rc.d",
      "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections 2>/dev/null || true",
      "apt-get update -qq",
      `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${debianPackages.join(" ")}`,
      "cmp -s /tmp/asynchat-policy-rc.d /usr/sbin/policy-rc.d && rm -f /usr/sbin/policy-rc.d || true",
    ].join(" && ");
    execFileSync(sudo[0] ?? "sh", sudo.length > 0 ? [...sudo.slice(1), "sh", "-c", script] : ["-c", script], { stdio: "ignore" });
  } catch {
    return false;
  }
  return hasCommand(command);
}

const canPin = hasCommand("taskset") && (() => {
  try {
    execFileSync("taskset", ["-c", "1", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Whether processes are pinned (server on core 0, load generator on core 1). */
export const pinned = canPin;

/** The command line for `argv` pinned to `core`, when pinning works. */
export function onCore(core: number, argv: string[]): string[] {
  return canPin ? ["taskset", "-c", String(core), ...argv] : argv;
}

/** A server process started for a benchmark. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Stops it (SIGTERM, then SIGKILL) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Its peak resident memory so far, in bytes (Linux), or null. */
  peakRss(): number | null;
  /** CPU time it has used so far (user + system), in seconds (Linux), or null. */
  cpuSeconds(): number | null;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Starts `argv` and resolves once a line of its output matches `ready`
 * (whose first group, if any, is the port), or rejects after `timeout` ms.
 */
export function startServer(argv: string[], ready: RegExp, port: number, timeout = 20_000): Promise<ServerProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${argv.join(" ")} did not start in ${timeout} ms:\n${output}`));
    }, timeout);
    const onData = (data: Buffer): void => {
      output += data.toString();
      const match = ready.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      child.stderr!.resume();
      resolve(serverProcess(child, match[1] === undefined ? port : Number(match[1])));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

function serverProcess(child: ChildProcess, port: number): ServerProcess {
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    child,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
    peakRss() {
      // With taskset the child is taskset's exec'd program: same pid.
      const status = `/proc/${child.pid}/status`;
      if (!existsSync(status)) return null;
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, "utf8"));
      return match ? Number(match[1]) * 1024 : null;
    },
    cpuSeconds() {
      const stat = `/proc/${child.pid}/stat`;
      if (!existsSync(stat)) return null;
      // Fields after the command (which may hold spaces) start at ")": utime and stime are the 12th and 13th.
      const text = readFileSync(stat, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
  };
}

/** Runs a command to completion and returns its standard output; `started` is told its process id. */
export function run(argv: string[], timeout = 300_000, started?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid !== undefined) started?.(child.pid);
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(" ")} exited with ${code}:\n${err || out}`));
    });
  });
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
