/**
 * One server on every core: N worker processes sharing one listening port
 * (`node:cluster`), the primary supervising them. A worker that dies is
 * replaced; `close()` (SIGTERM/SIGINT) drains every worker as
 * `ChatServer.close()` does; `rollingRestart()` (SIGHUP) replaces them one
 * at a time, the new one listening before the old one stops.
 *
 * The primary runs no server. The workers run the same script (the same
 * command line), each calling {@link runClusterWorker}; {@link serveCluster}
 * does the branching for a script that is both.
 */

import cluster, { type Worker } from "node:cluster";
import * as os from "node:os";
import EventEmitter from "eventemitter3";
import { invalidArgType, invalidArgValue } from "../errors";
import { WorkerStartError } from "./cluster-errors";

/** What a worker runs: a {@link ChatServer}, or anything that closes like one. */
export interface ClusterServer {
  /** The bound address; its port is reported to the primary. */
  readonly address: { port: number } | null;
  /** Stop accepting connections, keep the open ones (optional; {@link ChatServer.stopListening}). */
  stopListening?(): void;
  /** Close gracefully: let every connection finish what is queued, then resolve. */
  close(): Promise<void>;
}

/** Options of a {@link ClusterPrimary}. */
export interface ClusterOptions {
  /** How many workers, an integer ≥ 1 (see {@link parseWorkerCount} for `"auto"`). */
  workers: number;
  /** Milliseconds a worker has to start listening before it is killed. Default 30,000. */
  startTimeout?: number;
  /** Milliseconds a closing worker has to drain and exit before it is killed. Default 30,000. */
  stopTimeout?: number;
  /**
   * Milliseconds a closing worker keeps its open connections after it stops
   * accepting, so that a connection handed to it just before can send its
   * request and get the answer (a rolling restart cuts nothing). Default 1,000.
   */
  drainDelay?: number;
  /** Delay before replacing a worker that died, doubling (up to 10 s) while replacements keep dying before they listen. Default 100. */
  restartDelay?: number;
}

/** Events of a {@link ClusterPrimary}. */
export interface ClusterPrimaryEvents {
  /** A worker listens on `port`. */
  workerListening: [pid: number, port: number];
  /** A worker exited; `expected` when the primary had asked it to close. */
  workerExit: [pid: number, code: number | null, signal: string | null, expected: boolean];
  /** A rolling restart finished: every worker was replaced. */
  restarted: [];
  /** Something went wrong that the primary carried on after (a replacement that failed to start). */
  error: [error: Error];
}

/** Messages between primary and workers, under one key so they cannot be mistaken for others. */
const KEY = "asynchatCluster";
type ToWorker = { [KEY]: "close" };
type FromWorker = { [KEY]: "listening"; port: number } | { [KEY]: "failed"; message: string; code?: string };

type WorkerState = "starting" | "listening" | "closing";

/**
 * Reads a worker count: a positive integer, or `"auto"` for
 * `os.availableParallelism()`. Throws `RangeError` (`ERR_INVALID_ARG_VALUE`)
 * naming `name` otherwise.
 */
export function parseWorkerCount(value: string | number, name = "workers"): number {
  if (value === "auto") return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const count = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(count) || count < 1) throw invalidArgValue(name, 'must be an integer >= 1 or "auto"', value);
  return count;
}

/**
 * The primary process of a cluster: forks the workers, waits until they all
 * listen, replaces any that dies, and closes or restarts them on request.
 *
 * ```ts
 * if (cluster.isPrimary) {
 *   const primary = new ClusterPrimary({ workers: 4 });
 *   const { port } = await primary.start();
 *   primary.handleSignals();
 * } else {
 *   await runClusterWorker(async () => { const s = new ChatServer(Chat); await s.listen(7000); return s; });
 * }
 * ```
 */
export class ClusterPrimary extends EventEmitter<ClusterPrimaryEvents> {
  readonly #workers: number;
  readonly #startTimeout: number;
  readonly #stopTimeout: number;
  readonly #restartDelay: number;
  readonly #drainDelay: number;
  readonly #state = new Map<Worker, WorkerState>();
  #port = 0;
  #stopping: Promise<void> | null = null;
  #restarting: Promise<void> | null = null;
  #failuresInARow = 0;

  /** @param options see {@link ClusterOptions} */
  constructor(options: ClusterOptions) {
    super();
    if (typeof options !== "object" || options === null) throw invalidArgType("options", "an object", options);
    this.#workers = parseWorkerCount(options.workers, "options.workers");
    this.#startTimeout = positive(options.startTimeout ?? 30_000, "options.startTimeout");
    this.#stopTimeout = positive(options.stopTimeout ?? 30_000, "options.stopTimeout");
    this.#restartDelay = positive(options.restartDelay ?? 100, "options.restartDelay");
    this.#drainDelay = nonNegative(options.drainDelay ?? 1000, "options.drainDelay");
    if (!cluster.isPrimary) throw new Error("ClusterPrimary must be made in the primary process (cluster.isPrimary)");
  }

  /** The pids of the live workers. */
  get pids(): number[] {
    return [...this.#state.keys()].map((worker) => worker.process.pid!);
  }

  /** The port the workers share (0 before they listen). */
  get port(): number {
    return this.#port;
  }

  /**
   * Forks the workers and resolves with the port they share once every one
   * listens. If one fails to start, the others are stopped and it rejects
   * with that worker's error.
   */
  async start(): Promise<{ port: number }> {
    cluster.on("exit", (worker, code, signal) => this.#onExit(worker, code, signal));
    const forks = Array.from({ length: this.#workers }, () => this.#fork());
    try {
      await Promise.all(forks);
    } catch (error) {
      await this.close();
      throw error;
    }
    return { port: this.#port };
  }

  /**
   * Replaces every worker, one at a time: a new worker is listening before
   * the old one stops accepting, and the old one drains as `close()` does.
   * A second call while one runs waits for it and then restarts again.
   */
  rollingRestart(): Promise<void> {
    const previous = this.#restarting ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        for (const old of [...this.#state.keys()]) {
          if (this.#stopping !== null) return;
          if (this.#state.get(old) !== "listening") continue;
          await this.#fork();
          await this.#stop(old);
        }
        this.#emit("restarted");
      });
    this.#restarting = run;
    void run.finally(() => {
      if (this.#restarting === run) this.#restarting = null;
    });
    return run;
  }

  /** Closes every worker gracefully (each drains its connections); resolves once all have exited. */
  close(): Promise<void> {
    this.#stopping ??= Promise.all([...this.#state.keys()].map((worker) => this.#stop(worker))).then(() => undefined);
    return this.#stopping;
  }

  /**
   * SIGTERM and SIGINT: {@link close}, then exit the process (a second
   * signal exits at once); SIGHUP: {@link rollingRestart}. Returns a
   * function that takes the handlers off again.
   */
  handleSignals(onLog: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): () => void {
    const stop = (signal: NodeJS.Signals): void => {
      if (this.#stopping !== null) process.exit(1);
      onLog(`${signal}: closing ${this.#state.size} workers gracefully`);
      void this.close().then(() => process.exit(0));
    };
    const restart = (): void => {
      onLog(`SIGHUP: rolling restart of ${this.#state.size} workers`);
      this.rollingRestart().then(
        () => onLog("rolling restart done"),
        (error: Error) => onLog(`rolling restart stopped: ${error.message}`),
      );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    process.on("SIGHUP", restart);
    return () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      process.off("SIGHUP", restart);
    };
  }

  #emit<K extends keyof ClusterPrimaryEvents>(event: K, ...args: ClusterPrimaryEvents[K]): void {
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  /** Forks one worker; resolves once it listens, rejects if it fails or dies first. */
  #fork(): Promise<Worker> {
    const worker = cluster.fork();
    this.#state.set(worker, "starting");
    return new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        worker.process.kill("SIGKILL");
        reject(new WorkerStartError("timeout", worker.process.pid, `worker ${worker.process.pid} did not listen within ${this.#startTimeout} ms`));
      }, this.#startTimeout);
      const onMessage = (message: FromWorker): void => {
        if (typeof message !== "object" || message === null || !(KEY in message)) return;
        cleanup();
        if (message[KEY] === "listening") {
          this.#state.set(worker, "listening");
          this.#port = message.port;
          this.#failuresInARow = 0;
          this.#emit("workerListening", worker.process.pid!, message.port);
          resolve(worker);
        } else {
          reject(new WorkerStartError("failed", worker.process.pid, `worker ${worker.process.pid} failed to start: ${message.message}`, message.code));
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new WorkerStartError("exited", worker.process.pid, `worker ${worker.process.pid} exited before it listened (code ${code}, signal ${signal})`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.once("exit", onExit);
    });
  }

  /** Asks `worker` to close gracefully; kills it after stopTimeout (plus the drain delay); resolves once it has exited. */
  #stop(worker: Worker): Promise<void> {
    if (!this.#state.has(worker)) return Promise.resolve();
    this.#state.set(worker, "closing");
    return new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      const timer = setTimeout(() => worker.process.kill("SIGKILL"), this.#stopTimeout + this.#drainDelay);
      worker.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      const message: ToWorker = { [KEY]: "close" };
      if (worker.isConnected()) worker.send({ ...message, drainDelay: this.#drainDelay });
      else worker.process.kill("SIGTERM");
    });
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const state = this.#state.get(worker);
    if (state === undefined) return;
    this.#state.delete(worker);
    const expected = state === "closing";
    this.#emit("workerExit", worker.process.pid!, code, signal, expected);
    // A worker that dies while starting is the business of whoever forked it (start, a restart, a replacement).
    if (expected || state === "starting" || this.#stopping !== null) return;
    this.#replace();
  }

  /** Forks a replacement after a delay that grows while replacements keep failing. */
  #replace(): void {
    const delay = Math.min(this.#restartDelay * 2 ** this.#failuresInARow, 10_000);
    const timer = setTimeout(() => {
      if (this.#stopping !== null) return;
      this.#fork().catch((error: Error) => {
        this.#failuresInARow++;
        this.#emit("error", error);
        this.#replace();
      });
    }, delay);
    timer.unref();
  }
}

/**
 * Runs the worker side: starts the server with `start`, tells the primary
 * it listens, and closes it gracefully when the primary asks (or on
 * SIGTERM, or if the primary goes away), then exits. SIGINT and SIGHUP are
 * left to the primary (a terminal's Ctrl-C reaches every process of the
 * group). If `start` fails, the primary is told why and the worker exits 1.
 */
export async function runClusterWorker(start: () => Promise<ClusterServer>): Promise<void> {
  if (!cluster.isWorker || typeof process.send !== "function") throw new Error("runClusterWorker must run in a cluster worker (cluster.isWorker)");
  const send = process.send.bind(process);
  process.on("SIGINT", () => undefined);
  process.on("SIGHUP", () => undefined);
  let server: ClusterServer;
  try {
    server = await start();
  } catch (error) {
    const code = typeof (error as { code?: unknown } | null)?.code === "string" ? (error as { code: string }).code : undefined;
    send({ [KEY]: "failed", message: error instanceof Error ? error.message : String(error), ...(code === undefined ? {} : { code }) }, () => process.exit(1));
    return;
  }
  let closing = false;
  const close = (drainDelay: number): void => {
    if (closing) return;
    closing = true;
    server.stopListening?.();
    setTimeout(
      () =>
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        ),
      server.stopListening ? drainDelay : 0,
    );
  };
  process.on("message", (message: ToWorker & { drainDelay?: number }) => {
    if (typeof message === "object" && message !== null && message[KEY] === "close") close(message.drainDelay ?? 1000);
  });
  process.on("SIGTERM", () => close(1000));
  process.on("disconnect", () => close(0));
  send({ [KEY]: "listening", port: server.address?.port ?? 0 });
}

/** Options of {@link serveCluster}: those of the primary, and what each worker runs. */
export interface ServeClusterOptions extends ClusterOptions {
  /** Starts the server in a worker; resolves once it listens. */
  start(): Promise<ClusterServer>;
}

/**
 * For a script that is both primary and worker: in the primary, starts a
 * {@link ClusterPrimary} (signals handled) and resolves with it once every
 * worker listens; in a worker, runs {@link runClusterWorker} and resolves
 * with null.
 */
export async function serveCluster(options: ServeClusterOptions): Promise<ClusterPrimary | null> {
  if (cluster.isWorker) {
    await runClusterWorker(options.start);
    return null;
  }
  const primary = new ClusterPrimary(options);
  await primary.start();
  primary.handleSignals();
  return primary;
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) throw invalidArgValue(name, "must be a finite number > 0", value);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) throw invalidArgValue(name, "must be a finite number >= 0", value);
  return value;
}
