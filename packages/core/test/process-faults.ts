/**
 * Spies on the process's `unhandledRejection` and `uncaughtException`, for
 * tests that must show a fault stays inside its channel.
 *
 * Jest gives each test file a copy of `process`: listeners added to it never
 * hear of the real process's unhandled rejections. The spies go on the real
 * one, reached as the global of the realm Node's built-in modules live in
 * (outside Jest this is simply `process`).
 */

import * as net from "node:net";

const hostProcess = (net.Socket as unknown as { constructor: FunctionConstructor }).constructor("return process")() as NodeJS.Process;

/** What the spies caught, and how to take them off again. */
export interface ProcessFaults {
  /** Every unhandled rejection and uncaught exception seen since `watchProcessFaults()`. */
  readonly seen: Array<{ kind: "unhandledRejection" | "uncaughtException"; error: unknown }>;
  /** Removes the spies. */
  stop(): void;
}

/** Starts recording unhandled rejections and uncaught exceptions of the process. */
export function watchProcessFaults(): ProcessFaults {
  const seen: ProcessFaults["seen"] = [];
  const onRejection = (error: unknown): void => {
    seen.push({ kind: "unhandledRejection", error });
  };
  const onException = (error: unknown): void => {
    seen.push({ kind: "uncaughtException", error });
  };
  hostProcess.on("unhandledRejection", onRejection);
  hostProcess.on("uncaughtException", onException);
  return {
    seen,
    stop() {
      hostProcess.off("unhandledRejection", onRejection);
      hostProcess.off("uncaughtException", onException);
    },
  };
}
