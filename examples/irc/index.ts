/**
 * Entry point of the irc example for `npm start` / `npm run example -- irc`.
 * Its flags are declared in flags.ts (`--password`, `--motd`, `--ping-interval`,
 * `--ping-timeout`, `--recvq`, `--flood-burst`, `--flood-rate`,
 * `--close-timeout`, `--redis`, `--server-name`, `--network`,
 * `--presence-timeout`) and read here.
 */

import { readFileSync } from "node:fs";
import type { ExampleOptions, RunningExample } from "../registry";
import { startIrcServer } from "./server";
import type { IrcServerOptions } from "./settings";

export { IrcServer, startIrcServer } from "./server";
export type { IrcServerOptions } from "./settings";

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`--${flag} must be a number of seconds > 0, got ${JSON.stringify(value)}`);
  return n * 1000;
}

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`--${flag} must be a number > 0, got ${JSON.stringify(value)}`);
  return n;
}

/** Server options from the command-line flags. */
export function optionsFromFlags(flags: Record<string, string>): IrcServerOptions {
  const options: IrcServerOptions = {
    pingInterval: seconds("ping-interval", flags["ping-interval"]),
    pingTimeout: seconds("ping-timeout", flags["ping-timeout"]),
    maxReceiveQueue: count("recvq", flags.recvq),
    floodBurst: count("flood-burst", flags["flood-burst"]),
    floodRate: count("flood-rate", flags["flood-rate"]),
    closeTimeout: seconds("close-timeout", flags["close-timeout"]),
    presenceTimeout: seconds("presence-timeout", flags["presence-timeout"]),
    serverName: flags["server-name"],
    networkName: flags.network,
    redis: flags.redis,
  };
  if (flags.password !== undefined) options.password = flags.password;
  const motd = flags.motd;
  if (motd === "none") options.motd = null;
  else if (motd !== undefined) options.motd = readFileSync(motd, "utf8").replace(/\r?\n$/, "").split(/\r?\n/);
  return options;
}

/** Starts the irc example server; resolves once it listens. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  return startIrcServer(options.port, options.host, { ...optionsFromFlags(options.flags), maxConnections: options.maxConnections }, options.deployment);
}
