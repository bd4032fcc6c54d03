/**
 * An HAProxy in front of one server for the PROXY protocol rows: TCP mode,
 * one thread pinned with the load generator (core 1), sending the header
 * (`send-proxy`, v1) or not, so the two configurations differ only in it.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { onCore } from "./processes";

/** A running HAProxy; `stop()` ends it by pid. */
export interface HaproxyFront {
  port: number;
  stop(): Promise<void>;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Starts HAProxy on `port`, relaying to 127.0.0.1:`backend`, with or without `send-proxy`. */
export async function startHaproxyFront(port: number, backend: number, sendProxy: boolean): Promise<HaproxyFront> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-haproxy-"));
  const file = path.join(dir, "haproxy.cfg");
  writeFileSync(
    file,
    [
      "global",
      "  nbthread 1",
      "  maxconn 4000",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "listen front",
      `  bind 127.0.0.1:${port}`,
      `  server only 127.0.0.1:${backend}${sendProxy ? " send-proxy" : ""}`,
      "",
    ].join("\n"),
  );
  const argv = onCore(1, ["haproxy", "-db", "-f", file]);
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await connects(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, stop };
}
