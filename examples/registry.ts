/**
 * Every example server `npm start` and `npm run example` know: a name, the
 * default port, its flags, how to start it, and how a user connects to it.
 *
 * To give an example a new flag, add it to that example's `flags.ts` (the
 * table `--help`, the parser and the README check read) and read its value
 * in the example's `start`; the parser needs no change.
 */

import type { FlagSpec } from "./cli/flag";
import type { DeploymentOptions } from "./deployment";
import { startEcho } from "./echo/server";
import { start as startHttp } from "./http";
import { HTTP_FLAGS } from "./http/flags";
import { start as startIrc } from "./irc";
import { IRC_FLAGS } from "./irc/flags";
import { start as startResp } from "./resp";
import { RESP_FLAGS } from "./resp/flags";
import { start as startSmtp } from "./smtp";
import { SMTP_FLAGS } from "./smtp/flags";

/** What the command line gives an example's `start`. */
export interface ExampleOptions {
  /** `--port`, or the example's default port (`npm start`). */
  port: number;
  /** `--host`; default 127.0.0.1. */
  host: string;
  /**
   * `--max-connections`, or `ChatServer`'s default (the command line always
   * sets it): pass it to the example's `ChatServer`. Absent when a test calls
   * `start` directly; then the example's own default applies.
   */
  maxConnections?: number;
  /**
   * The string flags given, by name without dashes (`flags.maildir`),
   * common ones included; a flag not given is absent (its default is the
   * example's to apply).
   */
  flags: Readonly<Record<string, string>>;
  /** The boolean flags given (`switches?.has("proxy-protocol")`); absent means none. */
  switches?: ReadonlySet<string>;
  /** The values of the repeatable flags given (`multiple: true`), in order; absent means none. */
  lists?: Readonly<Record<string, readonly string[]>>;
  /** `--proxy-protocol` and `--proxy-from`: pass them to the example's `ChatServer`. Absent: none. */
  deployment?: DeploymentOptions;
  /** `--workers`: how many processes the command line runs the example in (the example itself runs in each). */
  workers?: number;
}

/** A running example: close it gracefully. */
export interface RunningExample {
  /** The bound address (its port matters when 0 was asked for). */
  readonly address: { port: number } | null;
  /** Stop accepting and keep the open connections (a rolling restart's first step, under `--workers`). */
  stopListening?(): void;
  close(): Promise<void>;
}

/** One example server. */
export interface Example {
  /** What `npm run example -- <name>` calls it. */
  name: string;
  /** What it is, in a few words, for `--help`. */
  summary: string;
  defaultPort: number;
  /** Started by `npm start` (every example except the demo echo server). */
  inStart: boolean;
  /** Its own flags, beyond the common ones (cli/common-flags.ts). */
  flags: readonly FlagSpec[];
  /** Starts it; resolves once it accepts connections. */
  start(options: ExampleOptions): Promise<RunningExample>;
  /** How to talk to it with a common client, e.g. `nc 127.0.0.1 7777`. */
  hint(host: string, port: number): string;
  /**
   * Why this example cannot run in more than one process with these options
   * (its state lives in one), or undefined when it can: `--workers` above 1
   * is then refused with this reason. Absent: any number of workers.
   */
  singleProcess?(options: ExampleOptions): string | undefined;
}

/** The examples, in the order `npm start` starts them. */
export const examples: readonly Example[] = [
  {
    name: "echo",
    summary: "numbered line echo, the smallest asynchat server",
    defaultPort: 7777,
    inStart: false,
    flags: [],
    start: ({ port, host, maxConnections, deployment }) => startEcho(port, host, { maxConnections, ...deployment }),
    hint: (host, port) => `nc ${host} ${port}   (type lines; QUIT to leave)`,
  },
  {
    name: "smtp",
    summary: "SMTP server delivering to a Maildir",
    defaultPort: 2525,
    inStart: true,
    flags: SMTP_FLAGS,
    start: startSmtp,
    hint: (host, port) => `swaks --server ${host}:${port} --to you@example.test --from me@example.test`,
  },
  {
    name: "irc",
    summary: "IRC server (RFC 1459/2812 core)",
    defaultPort: 6667,
    inStart: true,
    flags: IRC_FLAGS,
    start: startIrc,
    hint: (host, port) => `nc ${host} ${port}   then: NICK me / USER me 0 * :Me / JOIN #test`,
    // With --redis each worker is a node of the network (its own server name), so they share nicknames and channels.
    singleProcess: ({ flags }) =>
      flags.redis === undefined
        ? "its nicknames and channels live in one process, so users on different workers would not see each other (with --redis URL each worker is a node of one network)"
        : undefined,
  },
  {
    name: "resp",
    summary: "Redis protocol (RESP) key-value server",
    defaultPort: 6380,
    inStart: true,
    flags: RESP_FLAGS,
    start: startResp,
    hint: (host, port) => `redis-cli -h ${host} -p ${port} ping`,
    singleProcess: () => "its keyspace lives in one process, so each worker would have keys of its own",
  },
  {
    name: "http",
    summary: "HTTP/1.1 server with keep-alive and static files",
    defaultPort: 8080,
    inStart: true,
    flags: HTTP_FLAGS,
    start: startHttp,
    hint: (host, port) => `curl -i http://${host}:${port}/`,
  },
];
