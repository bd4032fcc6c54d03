/**
 * Every example server `npm start` and `npm run example` know: a name, the
 * default port, how to start it, and how a user connects to it.
 */

import { startEcho } from "./echo/server";

/** Options from the command line, as strings. */
export interface ExampleOptions {
  port: number;
  host: string;
  /** Extra `--name value` flags (e.g. `maildir` for smtp). */
  flags: Record<string, string>;
}

/** A running example: close it gracefully. */
export interface RunningExample {
  close(): Promise<void>;
}

/** One example server. */
export interface Example {
  name: string;
  defaultPort: number;
  /** Started by `npm start` (every example except the demo echo server). */
  inStart: boolean;
  /** Starts it; resolves once it accepts connections. */
  start(options: ExampleOptions): Promise<RunningExample>;
  /** How to talk to it with a common client, e.g. `nc 127.0.0.1 7777`. */
  hint(host: string, port: number): string;
}

/** The examples, in the order `npm start` starts them. */
export const examples: Example[] = [
  {
    name: "echo",
    defaultPort: 7777,
    inStart: false,
    start: ({ port, host }) => startEcho(port, host),
    hint: (host, port) => `nc ${host} ${port}   (type lines; QUIT to leave)`,
  },
];
