/**
 * Why a cluster could not start: a worker that reported a failure, exited,
 * or did not listen in time. Raised by `ClusterPrimary.start()` and
 * `serveCluster`.
 */

import { AsyncChatError } from "../errors";

/** How a worker failed to start. */
export type WorkerStartProblem = "failed" | "exited" | "timeout";

/** The stable code of {@link WorkerStartError}. */
export const WORKER_START_FAILED = "ERR_WORKER_START_FAILED";

/**
 * A worker of a cluster did not come to listen (`code`
 * `ERR_WORKER_START_FAILED`). `problem` says how; `workerCode` carries the
 * worker's own error code when it reported one (`EADDRINUSE` for a port in
 * use), so the primary's caller can tell causes apart as it would in one
 * process.
 */
export class WorkerStartError extends AsyncChatError<typeof WORKER_START_FAILED> {
  /** How the worker failed: it reported an error, it exited first, or it did not listen in time. */
  readonly problem: WorkerStartProblem;
  /** The worker's process id. */
  readonly pid: number | undefined;
  /** The `code` of the worker's own error (`EADDRINUSE`…), when it had one. */
  readonly workerCode: string | undefined;

  constructor(problem: WorkerStartProblem, pid: number | undefined, message: string, workerCode?: string) {
    super(WORKER_START_FAILED, message);
    this.problem = problem;
    this.pid = pid;
    this.workerCode = workerCode;
  }
}
