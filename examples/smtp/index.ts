/**
 * Entry point of the smtp example for `npm start` / `npm run example -- smtp`.
 */

import type { ExampleOptions, RunningExample } from "../registry";

/** Starts the smtp example server; resolves once it listens. */
export async function start(_options: ExampleOptions): Promise<RunningExample> {
  throw new Error("the smtp example is not written yet");
}
