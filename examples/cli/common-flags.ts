/**
 * The flags every example takes. A flag that means the same for every
 * example (and that the command line, not the example, acts on) goes here;
 * one that belongs to one example goes in its own `flags.ts`.
 */

import { DEFAULT_MAX_CONNECTIONS } from "@asynchat/core";
import type { FlagSpec } from "./flag";

/** Flags of every example, in the order `--help` lists them. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  {
    name: "port",
    type: "string",
    value: "N",
    default: "the example's port",
    description: "port to listen on; 0 picks a free one (one example only)",
  },
  { name: "host", type: "string", value: "H", default: "127.0.0.1", description: "address to listen on" },
  {
    name: "max-connections",
    type: "string",
    value: "N",
    default: String(DEFAULT_MAX_CONNECTIONS),
    description: "most connections held at once; one more is refused (ChatServer's maxConnections)",
  },
  {
    name: "workers",
    type: "string",
    value: "N",
    default: "1",
    description: "worker processes sharing the port (node:cluster); auto: one per core; SIGHUP restarts them one by one (one example only)",
  },
  {
    name: "proxy-protocol",
    type: "boolean",
    default: "off",
    description: "require a PROXY protocol header (v1 or v2) from a trusted balancer; the client's address is the header's",
  },
  {
    name: "proxy-from",
    type: "string",
    multiple: true,
    value: "CIDR",
    default: "loopback",
    description: "a balancer address or range trusted to send the header (repeatable; with --proxy-protocol)",
  },
  { name: "help", short: "h", type: "boolean", default: "off", description: "list the flags and their defaults, and start nothing" },
];

/** Flags that apply only when one example is started (`npm start` runs each on its own port). */
export const ONE_EXAMPLE_ONLY: ReadonlySet<string> = new Set(["port", "workers"]);
