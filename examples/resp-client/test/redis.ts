/**
 * A real redis-server for the client's tests: the shared one of
 * test-support, on a free port or a given one (to restart "the same
 * server"), stopped by its PID.
 */

import { RedisServer } from "../../../test-support/redis-server";

export { freePort } from "../../../test-support/redis-server";

/** A running redis-server. */
export type RedisProcess = RedisServer;

/** Starts redis-server on `port` (default: a free one). */
export function startRedis(port?: number): Promise<RedisProcess> {
  return RedisServer.start(port === undefined ? {} : { port });
}
