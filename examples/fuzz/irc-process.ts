/**
 * The IRC example run as its own process, the way a user starts it
 * (`npm run example -- irc`), so that the memory a test measures is the
 * server's alone and not the test runner's: its resident set size is read
 * from `/proc/<pid>/status`, and its peak from `VmHWM`, which the test
 * resets before the part it measures (`/proc/<pid>/clear_refs`).
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Compiles the examples if they are out of date (a no-op after `npm run build`), so the process runs the current code. */
export function buildExamples(): void {
  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", "packages/core", "packages/decorators", "examples"], { cwd: ROOT, stdio: "pipe", timeout: 180_000 });
}

/** One `VmXxx:   1234 kB` field of `/proc/<pid>/status`, in bytes. */
function statusField(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** An IRC example server in a child process. */
export class IrcProcess {
  readonly #child: ChildProcess;
  /** The port it listens on. */
  readonly port: number;
  /** What it printed on stderr. */
  stderr = "";

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    child.stderr?.on("data", (data: Buffer) => {
      this.stderr += data.toString("utf8");
    });
  }

  /** Starts `start.js --only irc` on a free loopback port with `flags`; resolves once it prints its `listening` line. */
  static start(flags: readonly string[] = [], timeoutMs = 20_000): Promise<IrcProcess> {
    const script = path.join(ROOT, "examples", "dist", "start.js");
    const child = spawn(process.execPath, [script, "--only", "irc", "--host", "127.0.0.1", "--port", "0", ...flags], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => fail(new Error(`the IRC example did not start within ${timeoutMs} ms; stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`)), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(error);
      };
      child.stderr!.on("data", (data: Buffer) => {
        stderr += data.toString("utf8");
      });
      child.once("error", fail);
      child.once("exit", (code, signal) => fail(new Error(`the IRC example exited (${String(code ?? signal)}) before listening: ${stderr}`)));
      child.stdout!.on("data", (data: Buffer) => {
        stdout += data.toString("utf8");
        const match = /^listening irc \S+:(\d+)$/m.exec(stdout);
        if (match === null) return;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        resolve(new IrcProcess(child, Number(match[1])));
      });
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid!;
  }

  /** Its resident set size now, in bytes. */
  rss(): number {
    return statusField(this.pid, "VmRSS");
  }

  /** Resets its peak resident set size to the current one (Linux: `echo 5 > /proc/<pid>/clear_refs`). */
  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, "5");
  }

  /** The highest resident set size since it started or since {@link resetPeak}, in bytes. */
  peakRss(): number {
    return statusField(this.pid, "VmHWM");
  }

  /** Kills it with SIGKILL (no goodbye) and waits for it to exit. */
  kill(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** Asks it to close gracefully (SIGTERM) and waits for it to exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs = 5000): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}
