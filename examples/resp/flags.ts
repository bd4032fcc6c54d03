/**
 * The resp example's command-line flags (beyond `--port`, `--host` and
 * `--max-connections`), read by `settingsFromFlags` in settings.ts; each
 * sets the `RespSettings` field of the same meaning.
 */

import type { FlagSpec } from "../cli/flag";
import { DEFAULT_SETTINGS } from "./settings";

/** Flags of `npm run example -- resp`. */
export const RESP_FLAGS: readonly FlagSpec[] = [
  { name: "max-bulk-len", type: "string", value: "BYTES", default: String(DEFAULT_SETTINGS.maxBulkLength), description: "longest bulk string (Redis's proto-max-bulk-len)" },
  { name: "max-multibulk-len", type: "string", value: "N", default: String(DEFAULT_SETTINGS.maxMultibulkLength), description: "most arguments in one command" },
  { name: "max-inline-len", type: "string", value: "BYTES", default: String(DEFAULT_SETTINGS.maxInlineLength), description: "longest inline command or header line" },
  { name: "max-query-len", type: "string", value: "BYTES", default: String(DEFAULT_SETTINGS.maxQueryLength), description: "most bytes of arguments in one command (client-query-buffer-limit)" },
  { name: "max-clients", type: "string", value: "N", default: "as --max-connections", description: "Redis's name for --max-connections (maxclients); give one or the other" },
  { name: "timeout", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.idleTimeout / 1000), description: "silence before a client is disconnected; 0 never (Redis's timeout)" },
  { name: "requirepass", type: "string", value: "PASSWORD", default: "none", description: "the default user's password: clients must AUTH first (Redis's requirepass)" },
  { name: "frame-timeout", type: "string", value: "SECONDS", default: String(DEFAULT_SETTINGS.frameTimeout / 1000), description: "time from a frame's first byte to its end; 0 never" },
];

