/**
 * Entry point of the resp example for `npm start` / `npm run example -- resp`.
 */

import type { ExampleOptions, RunningExample } from "../registry";
import { startRespServer } from "./server";
import { settingsFromFlags } from "./settings";

/** Starts the resp example server; resolves once it listens. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  return startRespServer({ ...settingsFromFlags(options.flags), port: options.port, host: options.host });
}

export { type RespServer, type RespServerOptions, startRespServer } from "./server";
export { DEFAULT_SETTINGS, type RespSettings } from "./settings";
export { RespConnection } from "./protocol";
