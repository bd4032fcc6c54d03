/**
 * The smtp example's command-line flags (beyond `--port`, `--host` and
 * `--max-connections`), read by `optionsFromFlags` in index.ts.
 */

import type { FlagSpec } from "../cli/flag";
import { SMTP_DEFAULTS } from "./config";

/** Flags of `npm run example -- smtp`. */
export const SMTP_FLAGS: readonly FlagSpec[] = [
  { name: "maildir", type: "string", value: "DIR", default: "$TMPDIR/asynchat-smtp-maildir", description: "the Maildir messages are delivered to; created if missing" },
  { name: "cert", type: "string", value: "FILE", default: "none", description: "PEM certificate; with --key, STARTTLS is offered" },
  { name: "key", type: "string", value: "FILE", default: "none", description: "PEM private key of --cert" },
  { name: "hostname", type: "string", value: "NAME", default: "the OS host name", description: "the name in the greeting, the EHLO reply and Received headers" },
  { name: "max-size", type: "string", value: "BYTES", default: String(SMTP_DEFAULTS.maxMessageSize), description: "largest message accepted, advertised as SIZE" },
  { name: "fsync", type: "string", value: "on|off", default: SMTP_DEFAULTS.fsync ? "on" : "off", description: "fsync each message before it is acknowledged" },
  {
    name: "file-io",
    type: "string",
    value: "async|sync",
    default: SMTP_DEFAULTS.fileIo,
    description: "delivery's file operations on the thread pool, or on the event loop (less CPU; for a RAM disk or --fsync off)",
  },
  { name: "users", type: "string", value: "FILE", default: "none", description: "users file (scrypt hashes, see add-user): AUTH PLAIN and LOGIN are offered after STARTTLS" },
  { name: "auth-over-plaintext", type: "boolean", default: "off", description: "offer AUTH on plaintext connections too (with --users)" },
  { name: "require-auth", type: "boolean", default: "off", description: "refuse MAIL with 530 until the client has authenticated (with --users)" },
  {
    name: "auth-failure-delay",
    type: "string",
    value: "MS",
    default: String(SMTP_DEFAULTS.authFailureDelay),
    description: "milliseconds a failed AUTH waits before its 535",
  },
];
