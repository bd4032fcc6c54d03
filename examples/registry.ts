/**
 * Every example server `npm start` and `npm run example` know: a name, the
 * default port, how to start it, and how a user connects to it.
 */

import { startEcho } from "./echo/server";
import { start as startHttp } from "./http";
import { start as startIrc } from "./irc";
import { start as startResp } from "./resp";
import { start as startSmtp } from "./smtp";

/** Options from the command line, as strings. */
export interface ExampleOptions {
  port: number;
  host: string;
  /** Extra `--name value` flags (e.g. `maildir` for smtp). */
  flags: Record<string, string>;
}

/** A running example: close it gracefully. */
export interface RunningExample {
  /** The bound address (its port matters when 0 was asked for). */
  readonly address: { port: number } | null;
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
  {
    name: "smtp",
    defaultPort: 2525,
    inStart: true,
    start: startSmtp,
    hint: (host, port) => `swaks --server ${host}:${port} --to you@example.test --from me@example.test`,
  },
  {
    name: "irc",
    defaultPort: 6667,
    inStart: true,
    start: startIrc,
    hint: (host, port) => `nc ${host} ${port}   then: NICK me / USER me 0 * :Me / JOIN #test`,
  },
  {
    name: "resp",
    defaultPort: 6380,
    inStart: true,
    start: startResp,
    hint: (host, port) => `redis-cli -h ${host} -p ${port} ping`,
  },
  {
    name: "http",
    defaultPort: 8080,
    inStart: true,
    start: startHttp,
    hint: (host, port) => `curl -i http://${host}:${port}/`,
  },
];
