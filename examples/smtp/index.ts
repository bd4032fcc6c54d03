/**
 * Entry point of the smtp example for `npm start` / `npm run example -- smtp`.
 *
 * Its flags are declared in flags.ts (`--maildir DIR`, default
 * {@link DEFAULT_MAILDIR}; `--cert FILE --key FILE`; ...) and read here.
 */

import { readFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { ExampleOptions, RunningExample } from "../registry";
import type { SmtpServerOptions } from "./config";
import { startSmtpServer } from "./server";
import { UsersFile } from "./users";

export type { AuthSessionInfo, Authenticator, Credentials } from "./auth";
export { SMTP_DEFAULTS, type SmtpServerOptions } from "./config";
export { SmtpServer, startSmtpServer } from "./server";
export { SmtpSession } from "./session";
export { UsersFile, UsersFileError, addUser, hashPassword } from "./users";

/** Where messages go when no `--maildir` is given: `asynchat-smtp-maildir` under the OS temp folder. */
export const DEFAULT_MAILDIR = path.join(os.tmpdir(), "asynchat-smtp-maildir");

function flagError(message: string): Error {
  return new Error(`smtp: ${message}`);
}

/** Turns the command-line flags into server options (reading the certificate and users files). */
export async function optionsFromFlags(flags: Record<string, string>, switches: ReadonlySet<string> = new Set()): Promise<SmtpServerOptions> {
  const options: SmtpServerOptions = { maildir: flags.maildir ?? DEFAULT_MAILDIR };
  if (flags.cert !== undefined || flags.key !== undefined) {
    if (flags.cert === undefined || flags.key === undefined) throw flagError("--cert and --key must be given together");
    options.tls = { cert: await readFile(flags.cert), key: await readFile(flags.key) };
  }
  if (flags.hostname !== undefined) options.hostname = flags.hostname;
  if (flags["max-size"] !== undefined) {
    const size = Number(flags["max-size"]);
    if (!Number.isSafeInteger(size) || size < 1) throw flagError(`--max-size must be a positive number of bytes, got ${flags["max-size"]}`);
    options.maxMessageSize = size;
  }
  if (flags.fsync !== undefined) {
    const value = flags.fsync.toLowerCase();
    if (!["on", "off", "true", "false", "yes", "no"].includes(value)) throw flagError(`--fsync must be on or off, got ${flags.fsync}`);
    options.fsync = value === "on" || value === "true" || value === "yes";
  }
  if (flags["file-io"] !== undefined) {
    const mode = flags["file-io"];
    if (mode !== "async" && mode !== "sync") throw flagError(`--file-io must be async or sync, got ${mode}`);
    options.fileIo = mode;
  }
  if (flags.users !== undefined) options.authenticate = (await UsersFile.load(flags.users)).authenticator;
  for (const [flag, option] of [["auth-over-plaintext", "authOverPlaintext"], ["require-auth", "requireAuth"]] as const) {
    if (!switches.has(flag)) continue;
    if (flags.users === undefined) throw flagError(`--${flag} needs --users FILE`);
    options[option] = true;
  }
  if (flags["auth-failure-delay"] !== undefined) {
    const delay = Number(flags["auth-failure-delay"]);
    if (!Number.isSafeInteger(delay) || delay < 0) throw flagError(`--auth-failure-delay must be a number of milliseconds >= 0, got ${flags["auth-failure-delay"]}`);
    options.authFailureDelay = delay;
  }
  return options;
}

/** Starts the smtp example server; resolves once it listens. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  return startSmtpServer({ ...(await optionsFromFlags(options.flags, options.switches)), maxConnections: options.maxConnections }, options.port, options.host, options.deployment);
}
