/**
 * Tests that talk to a system program (curl, swaks, redis-cli, a real server)
 * declare it here. When the program is on the PATH the tests run. When it is
 * missing they are skipped with one line on stderr naming the Debian package
 * to install, and the run still passes; under `CI=true` a missing program
 * fails the run instead, so CI never passes by skipping.
 *
 * `npm test` installs what it can first (scripts/install-peers.mjs); the list
 * of programs is test-support/peers.json.
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** One system program the tests use. */
export interface Peer {
  /** The command looked up on the PATH. */
  command: string;
  /** The Debian package that provides it. */
  package: string;
  /** Which tests use it, for the skip message. */
  usedBy: string;
}

const table: Peer[] = (JSON.parse(readFileSync(path.join(__dirname, "peers.json"), "utf8")) as { peers: Peer[] }).peers;

const cache = new Map<string, boolean>();

/** True when `command` is an executable on the PATH. */
export function hasCommand(command: string): boolean {
  let found = cache.get(command);
  if (found === undefined) {
    found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" }).status === 0;
    cache.set(command, found);
  }
  return found;
}

/** The table entry for `command`; a command missing from peers.json is a mistake in the test. */
export function peer(command: string): Peer {
  const entry = table.find((p) => p.command === command);
  if (entry === undefined) throw new Error(`test-support/peers.json has no entry for ${JSON.stringify(command)}: add it with its Debian package`);
  return entry;
}

/** The peers among `commands` that are not on the PATH. */
export function missingPeers(commands: readonly string[]): Peer[] {
  return commands.map(peer).filter((p) => !hasCommand(p.command));
}

/**
 * `describe(name, body)` when every command in `commands` is on the PATH.
 * Otherwise: skipped with a line naming the packages, or (under `CI=true`) one
 * failing test that says what is missing.
 */
export function describeWithPeers(commands: string | readonly string[], name: string, body: () => void): void {
  const list = typeof commands === "string" ? [commands] : commands;
  const missing = missingPeers(list);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const what = missing.map((p) => `${p.command} (Debian package ${p.package})`).join(", ");
  const install = `apt-get install ${[...new Set(missing.map((p) => p.package))].join(" ")}`;
  if (process.env.CI === "true") {
    describe(name, () => {
      it(`needs ${missing.map((p) => p.command).join(", ")}`, () => {
        throw new Error(`missing on this machine: ${what}; CI must not pass by skipping. Install with: ${install}`);
      });
    });
    return;
  }
  process.stderr.write(`SKIPPED "${name}": needs ${what}; install with: ${install}\n`);
  describe.skip(name, body);
}
