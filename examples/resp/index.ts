/**
 * Entry point of the resp example for `npm start` / `npm run example -- resp`.
 */

import { FlagError } from "../cli/flag-error";
import type { ExampleOptions, RunningExample } from "../registry";
import { startRespServer } from "./server";
import { settingsFromFlags } from "./settings";

/** Starts the resp example server; resolves once it listens. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  const { flags } = options;
  // --max-clients is Redis's name for --max-connections: either sets maxClients.
  if (flags["max-clients"] !== undefined && flags["max-connections"] !== undefined) {
    throw new FlagError(`resp: --max-clients and --max-connections set the same limit; give one (got ${flags["max-clients"]} and ${flags["max-connections"]})`);
  }
  const limit: Record<string, string> = options.maxConnections === undefined ? {} : { "max-clients": String(options.maxConnections) };
  const settings = settingsFromFlags({ ...limit, ...flags });
  return startRespServer({ ...settings, port: options.port, host: options.host }, options.deployment);
}

export { type RespServer, type RespServerOptions, startRespServer } from "./server";
export { DEFAULT_SETTINGS, type RespSettings } from "./settings";
export { RespConnection } from "./protocol";
