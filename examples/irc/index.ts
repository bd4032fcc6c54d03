/**
 * Entry point of the irc example for `npm start` / `npm run example -- irc`.
 */

import type { ExampleOptions, RunningExample } from "../registry";

/** Starts the irc example server; resolves once it listens. */
export async function start(_options: ExampleOptions): Promise<RunningExample> {
  throw new Error("the irc example is not written yet");
}
