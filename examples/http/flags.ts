/**
 * The http example's command-line flags (beyond `--port`, `--host` and
 * `--max-connections`), read by `start` in index.ts.
 */

import type { FlagSpec } from "../cli/flag";

/** Flags of `npm run example -- http`. */
export const HTTP_FLAGS: readonly FlagSpec[] = [
  { name: "root", type: "string", value: "DIR", default: "the example's public folder", description: "folder served under /static/" },
];
