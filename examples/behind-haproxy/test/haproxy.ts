/**
 * A real HAProxy for tests: a config generated for loopback ports, the
 * process started in the foreground and stopped by its pid, and its stats
 * page read as CSV to see what its health checks found.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../../test-support/free-port";

export { freePort };

/** One backend server line: where it is and how HAProxy talks to it. */
export interface Backend {
  name: string;
  port: number;
  /** `send-proxy` (v1) or `send-proxy-v2`, with health checks that send the header too. */
  proxy: "send-proxy" | "send-proxy-v2";
}

/** One proxied service: a frontend port balanced over backends, with a health check. */
export interface Service {
  name: string;
  port: number;
  backends: Backend[];
  /** The check's lines, e.g. `option redis-check`. */
  check: string[];
}

/** A running HAProxy. */
export interface RunningHaproxy {
  child: ChildProcess;
  statsPort: number;
  /** Each server's row of the stats page: `{ "resp/r1": { status: "UP", check_status: "L7OK", ... } }`. */
  stats(): Promise<Record<string, Record<string, string>>>;
  /** Stops it by pid (SIGTERM, then SIGKILL) and removes its config. */
  stop(): Promise<void>;
}

/** The address HAProxy connects to the backends from, so a test can tell it from the clients' 127.0.0.1. */
export const BALANCER_SOURCE = "127.0.0.3";

function config(services: Service[], statsPort: number): string {
  const lines = [
    "global",
    "  maxconn 200",
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    "  timeout client 20s",
    "  timeout server 20s",
    // Generous: on a loaded machine a check that times out marks a healthy server down.
    "  timeout check 5s",
    "listen stats",
    "  mode http",
    `  bind 127.0.0.1:${statsPort}`,
    "  stats enable",
    "  stats uri /stats",
  ];
  for (const service of services) {
    lines.push(`listen ${service.name}`, `  bind 127.0.0.1:${service.port}`, "  balance roundrobin", ...service.check.map((line) => `  ${line}`));
    for (const backend of service.backends) {
      lines.push(`  server ${backend.name} 127.0.0.1:${backend.port} ${backend.proxy} check check-send-proxy inter 500 fall 5 rise 1 source ${BALANCER_SOURCE}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Writes the config, checks it (`haproxy -c`), starts HAProxy and resolves once its stats page answers. */
export async function startHaproxy(services: Service[]): Promise<RunningHaproxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "haproxy-test-"));
  const file = path.join(dir, "haproxy.cfg");
  const statsPort = await freePort();
  await writeFile(file, config(services, statsPort));
  const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stats = async (): Promise<Record<string, Record<string, string>>> => {
    const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
    const [head, ...rows] = (await response.text()).trim().split("\n");
    const names = head!.replace(/^# /, "").split(",");
    const table: Record<string, Record<string, string>> = {};
    for (const row of rows) {
      const cells = row.split(",");
      const entry = Object.fromEntries(names.map((name, i) => [name, cells[i] ?? ""]));
      table[`${entry.pxname}/${entry.svname}`] = entry;
    }
    return table;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${output}`);
    try {
      await stats();
      return { child, statsPort, stats, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy's stats page did not answer within 10 s: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
