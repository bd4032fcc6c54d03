/**
 * The irc example's command-line flags (beyond `--port`, `--host` and
 * `--max-connections`), read by `optionsFromFlags` in index.ts.
 */

import type { FlagSpec } from "../cli/flag";
import { DEFAULT_SETTINGS } from "./settings";

/** Flags of `npm run example -- irc`. */
export const IRC_FLAGS: readonly FlagSpec[] = [
  { name: "password", type: "string", value: "SECRET", default: "none", description: "clients must send this PASS before registering" },
  { name: "motd", type: "string", value: "FILE", default: "a short greeting", description: "the message of the day, one line per line of FILE; `none` answers 422" },
  { name: "ping-interval", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.pingInterval / 1000), description: "silence before the server PINGs a client" },
  { name: "ping-timeout", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.pingTimeout / 1000), description: "time a PINGed client has to answer before it is dropped" },
  { name: "recvq", type: "string", value: "BYTES", default: String(DEFAULT_SETTINGS.maxReceiveQueue), description: "input without a line ending past which a client is dropped (Excess Flood); at least 512" },
  { name: "flood-burst", type: "string", value: "N", default: String(DEFAULT_SETTINGS.floodBurst), description: "lines a client may send at once" },
  { name: "flood-rate", type: "string", value: "N", default: String(DEFAULT_SETTINGS.floodRate), description: "lines a second a client may send past its burst (Excess Flood beyond)" },
  { name: "redis", type: "string", value: "URL", default: "none", description: "be a node of a network sharing state through this Redis (redis://127.0.0.1:6379)" },
  { name: "server-name", type: "string", value: "NAME", default: DEFAULT_SETTINGS.serverName, description: "this server's name (numerics' source; with --redis, unique in the network; with --workers N, worker k is wk.NAME)" },
  { name: "network", type: "string", value: "NAME", default: DEFAULT_SETTINGS.networkName, description: "the network's name (005 NETWORK); with --redis, nodes of the same name form one network" },
  { name: "presence-timeout", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.presenceTimeout / 1000), description: "with --redis: silence after which a node is taken for dead and its users quit (*.net *.split)" },
  { name: "close-timeout", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.closeTimeout / 1000), description: "longest wait for a disconnected client's ERROR line to leave and the client to close" },
];
