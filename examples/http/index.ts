/**
 * Entry point of the http example for `npm start` / `npm run example -- http`.
 */

import type { ExampleOptions, RunningExample } from "../registry";

/** Starts the http example server; resolves once it listens. */
export async function start(_options: ExampleOptions): Promise<RunningExample> {
  throw new Error("the http example is not written yet");
}
