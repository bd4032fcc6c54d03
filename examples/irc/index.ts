/**
 * Entry point of the irc example for `npm start` / `npm run example -- irc`.
 * Its flags are declared in flags.ts (`--password`, `--motd`, `--ping-interval`,
 * `--ping-timeout`, `--recvq`, `--flood-burst`, `--flood-rate`,
 * `--close-timeout`, `--redis`, `--server-name`, `--network`,
 * `--presence-timeout`) and read here.
 */

import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import type { ExampleOptions, RunningExample } from "../registry";
import { startIrcServer } from "./server";
import { DEFAULT_SETTINGS, type IrcServerOptions } from "./settings";

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

/**
 * The server name of cluster worker `workerId` of a node named `serverName`
 * (`--workers N --redis URL`): each worker is a node of the network, and
 * WHOIS, WHO and numerics tell them apart, e.g. `w2.irc-a.local`. A worker
 * that replaces a dead one gets a new id, so a name is never reused while
 * the dead worker's users may still be on the network.
 */
export function workerServerName(serverName: string, workerId: number): string {
  return `w${workerId}.${serverName}`;
}

/** Starts the irc example server; resolves once it listens. Under `--workers N` (only with `--redis`) each worker names itself after its worker id. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  const serverOptions: IrcServerOptions = { ...optionsFromFlags(options.flags), maxConnections: options.maxConnections };
  if ((options.workers ?? 1) > 1 && cluster.worker !== undefined) {
    serverOptions.serverName = workerServerName(serverOptions.serverName ?? DEFAULT_SETTINGS.serverName, cluster.worker.id);
  }
  return startIrcServer(options.port, options.host, serverOptions, options.deployment);
}
