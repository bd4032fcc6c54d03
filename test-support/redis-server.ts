/**
 * A real redis-server for the tests that need one: started on a loopback
 * port (a free one, or a given one) with its configuration generated on
 * the command line (no persistence, its working directory a temporary
 * folder), restartable on the same port (a Redis restart), stopped by its
 * PID. Callers wrap their tests in `describeWithPeers("redis-server", ...)`.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort } from "./free-port";

export { freePort };

/** How to start a {@link RedisServer}. */
export interface RedisServerOptions {
  /** The port (default: a free one). */
  port?: number;
  /** More configuration, as command-line arguments (`["--requirepass", "x"]`). */
  args?: readonly string[];
}

/** A redis-server child process on one loopback port. */
export class RedisServer {
  readonly port: number;
  readonly #args: readonly string[];
  #dir: string | null = null;
  #child: ChildProcess | null = null;

  private constructor(port: number, args: readonly string[]) {
    this.port = port;
    this.#args = args;
  }

  /** Starts one; resolves once it accepts connections. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const redis = new RedisServer(options.port ?? (await freePort()), options.args ?? []);
    await redis.restart();
    return redis;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The running process's id (throws when it is stopped). */
  get pid(): number {
    if (this.#child === null) throw new Error("redis-server is not running");
    return this.#child.pid!;
  }

  /** Starts it (again) on its port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const dir = (this.#dir ??= mkdtempSync(path.join(tmpdir(), "redis-server-")));
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, ...this.#args];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${this.port}:\n${output}`)), 15_000);
      const collect = (data: Buffer): void => {
        output += data.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", collect);
      child.stderr!.on("data", collect);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${String(code)}:\n${output}`));
      });
    });
  }

  /** Kills it by its PID (SIGKILL: connections drop without a word; with no persistence it loses everything), waits for it to exit and removes its working directory. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(child.pid!, "SIGKILL");
      await exited;
    }
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }
}
