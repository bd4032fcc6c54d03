/**
 * Entry point of the resp example for `npm start` / `npm run example -- resp`.
 */

import type { ExampleOptions, RunningExample } from "../registry";

/** Starts the resp example server; resolves once it listens. */
export async function start(_options: ExampleOptions): Promise<RunningExample> {
  throw new Error("the resp example is not written yet");
}
