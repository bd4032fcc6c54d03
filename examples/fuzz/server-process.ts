/**
 * An example server in a process of its own, for measuring its memory
 * without the test's: the flood tests assert how far the server's resident
 * set grows, and in the test's process that figure would include the
 * client's buffers and jest's own garbage.
 *
 * The server runs from the TypeScript sources (through tsx, with the test
 * tsconfig's paths), so no build is needed and the code measured is the
 * code under test.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/** A running example server process. */
export class ExampleProcess {
  readonly #child: ChildProcess;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  #output = "";
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, port: number, output: string) {
    this.#child = child;
    this.port = port;
    this.#output = output;
    child.stdout?.on("data", (data: Buffer) => this.#append(data));
    child.stderr?.on("data", (data: Buffer) => this.#append(data));
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  }

  /**
   * Starts `npm run example -- <name> --port 0 <flags…>` from the sources and
   * resolves once it prints its `listening` line (rejects with its output if
   * it exits or takes longer than `timeout` ms).
   */
  static start(name: string, flags: readonly string[], timeout = 60_000): Promise<ExampleProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "examples", "start.ts"), "--only", name, "--port", "0", ...flags], {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.test.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
      let output = "";
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`the ${name} example did not start (${why}); its output: ${output}`));
      };
      const timer = setTimeout(() => fail(`no listening line within ${timeout} ms`), timeout);
      const onData = (data: Buffer): void => {
        output += data.toString();
        const match = /^listening \S+ \S+:(\d+)$/m.exec(output);
        if (match === null) return;
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        child.off("exit", onExit);
        resolve(new ExampleProcess(child, Number(match[1]), output));
      };
      const onExit = (code: number | null, signal: string | null): void => fail(`exited with ${code ?? signal}`);
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", onExit);
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid!;
  }

  /** Everything it printed so far. */
  get output(): string {
    return this.#output;
  }

  /** Its resident set size now, in bytes (Linux `/proc`). */
  rss(): number {
    return this.#status("VmRSS");
  }

  /**
   * Starts a new peak measurement: the kernel's high-water mark of the
   * resident set is reset to the current size (`/proc/<pid>/clear_refs`), so
   * {@link peakRss} then reports the highest size since this call, however
   * briefly it lasted. Returns false where the mark cannot be reset (then
   * the peak since the start of the process is all there is).
   */
  resetPeak(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, "5");
      return true;
    } catch {
      return false;
    }
  }

  /** The highest resident set size since {@link resetPeak} (or since it started), in bytes. */
  peakRss(): number {
    return this.#status("VmHWM");
  }

  /**
   * Runs `action` and resolves with its result and how far the resident set
   * rose above its size before: the kernel's peak since then where it can be
   * reset ({@link resetPeak}), and in any case the highest of samples taken
   * every 5 ms meanwhile.
   */
  async rssGrowthDuring<T>(action: () => Promise<T>): Promise<{ result: T; growth: number }> {
    const before = this.rss();
    const peakReset = this.resetPeak();
    let sampledPeak = before;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, this.rss());
    }, 5);
    try {
      const result = await action();
      return { result, growth: Math.max(sampledPeak, peakReset ? this.peakRss() : 0) - before };
    } finally {
      clearInterval(sampler);
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill("SIGTERM");
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  #append(data: Buffer): void {
    // Only the start of the output matters for a report; a chatty process must not grow the test.
    if (this.#output.length < 64 * 1024) this.#output += data.toString();
  }

  #status(field: "VmRSS" | "VmHWM"): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "latin1");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match === null) throw new Error(`no ${field} in /proc/${this.pid}/status`);
    return Number(match[1]) * 1024;
  }
}
