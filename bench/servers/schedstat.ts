/**
 * Who sets the pace of a load test on a shared machine: for a process, the
 * time its threads ran and the time they waited, runnable, for a CPU
 * (Linux `/proc/<pid>/task/<tid>/schedstat`). A process that is runnable
 * nearly all the time is the bottleneck, whether it runs or waits for its
 * core; one that is runnable a small share of the time is waiting for work.
 */

import { existsSync, readFileSync, readdirSync } from "node:fs";

/** Nanoseconds run and waited runnable, summed over a process's threads, at one moment. */
export interface SchedSample {
  at: bigint;
  running: number;
  waiting: number;
}

/** A sample of `pid` now, or null without /proc (or once it has exited). */
export function schedSample(pid: number): SchedSample | null {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return null;
  let running = 0;
  let waiting = 0;
  try {
    for (const tid of readdirSync(tasks)) {
      const [run, wait] = readFileSync(`${tasks}/${tid}/schedstat`, "utf8").split(" ");
      running += Number(run);
      waiting += Number(wait);
    }
  } catch {
    return null;
  }
  return { at: process.hrtime.bigint(), running, waiting };
}

/** Shares of the wall time between two samples: running, and runnable (running or waiting for a CPU), each 0-1. */
export interface SchedShares {
  running: number;
  runnable: number;
}

/** The shares between `from` and `to`, or null if either is missing. */
export function schedShares(from: SchedSample | null, to: SchedSample | null): SchedShares | null {
  if (from === null || to === null || to.at <= from.at) return null;
  const wall = Number(to.at - from.at);
  const running = (to.running - from.running) / wall;
  return { running, runnable: running + (to.waiting - from.waiting) / wall };
}
