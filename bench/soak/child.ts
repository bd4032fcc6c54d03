/**
 * Starting a soak server process and talking to it over IPC.
 */

import { type ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import type { ServerStats } from "./server";

/** A soak server process. */
export interface SoakServer {
  port: number;
  child: ChildProcess;
  /** Its memory after a forced GC. */
  stats(): Promise<ServerStats>;
  /** Closes the example gracefully, then ends the process. */
  stop(): Promise<void>;
}

/** Forks the soak server for `example` with `flags` and waits for its port. */
export function startSoakServer(example: string, flags: string[] = []): Promise<SoakServer> {
  const child = fork(path.join(__dirname, "server.js"), [example, ...flags], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (data: Buffer) => {
      output += data.toString();
      const match = /listening (\d+)/.exec(output);
      if (match === null) return;
      const ask = <T>(message: string, isAnswer: (m: unknown) => boolean): Promise<T> =>
        new Promise((done) => {
          const listener = (m: unknown): void => {
            if (!isAnswer(m)) return;
            child.off("message", listener);
            done(m as T);
          };
          child.on("message", listener);
          child.send(message);
        });
      resolve({
        port: Number(match[1]),
        child,
        stats: () => ask<ServerStats>("stats", (m) => typeof m === "object" && m !== null && "heapUsed" in m),
        async stop() {
          await ask("close", (m) => m === "closed");
          child.disconnect();
          await new Promise((done) => child.once("exit", done));
        },
      });
    });
    child.once("exit", (code) => reject(new Error(`soak server exited with ${code}: ${output}`)));
  });
}

/** Megabytes, for printing. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The heap after a run against before it, after forced GCs: all of it, and without compiled code. */
export interface HeapGrowth {
  heapBefore: number;
  heapAfter: number;
  heapGrowth: number;
  /** The same without compiled code (V8's code space, which grows as the JIT optimizes hot paths). */
  dataHeapBefore: number;
  dataHeapAfter: number;
  dataHeapGrowth: number;
}

/** {@link HeapGrowth} from the stats taken before and after a run. */
export function heapGrowth(before: ServerStats, after: ServerStats): HeapGrowth {
  const dataBefore = before.heapUsed - before.codeSpace;
  const dataAfter = after.heapUsed - after.codeSpace;
  return {
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapGrowth: (after.heapUsed - before.heapUsed) / before.heapUsed,
    dataHeapBefore: dataBefore,
    dataHeapAfter: dataAfter,
    dataHeapGrowth: (dataAfter - dataBefore) / dataBefore,
  };
}

/** Prints a soak's report: its own `lines`, then the server's peak RSS and the heap lines, then a blank line. */
export function printReport(lines: readonly string[], result: HeapGrowth & { peakRss: number }): void {
  process.stdout.write([...lines, `  peak RSS (server)        ${mb(result.peakRss)}`, ...heapLines(result), ""].join("\n"));
}

/** The report's two heap lines. */
function heapLines(growth: HeapGrowth): string[] {
  return [
    `  heap after forced GC     ${mb(growth.heapAfter)} vs ${mb(growth.heapBefore)} before (${(growth.heapGrowth * 100).toFixed(1)}% growth, limit 10%)`,
    `    without compiled code  ${mb(growth.dataHeapAfter)} vs ${mb(growth.dataHeapBefore)} before (${(growth.dataHeapGrowth * 100).toFixed(1)}% growth)`,
  ];
}
