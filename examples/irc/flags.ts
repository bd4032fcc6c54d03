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
];
