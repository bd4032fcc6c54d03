#!/usr/bin/env node
// Brings the system programs the tests talk to (test-support/peers.json) from
// Debian when it can: running as root (or with sudo), apt-get present, and the
// program not already on the PATH. It says what it installs. When it cannot,
// it says so and exits 0: each test that needs a missing program is then
// skipped with a line naming the package, or fails the run under CI=true.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { peers } = JSON.parse(readFileSync(join(root, "test-support", "peers.json"), "utf8"));

/** True when `command` is an executable on the PATH (or an absolute path that exists). */
function onPath(command) {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" }).status === 0;
}

const missing = peers.filter((p) => !onPath(p.command));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((p) => p.package))];
const say = (line) => process.stderr.write(`install-peers: ${line}\n`);

if (process.env.ASYNCHAT_NO_INSTALL === "1") {
  say(`not installing (ASYNCHAT_NO_INSTALL=1); missing: ${packages.join(" ")}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const prefix = isRoot ? [] : onPath("sudo") ? ["sudo", "-n"] : null;
if (prefix === null || !onPath("apt-get")) {
  say(`cannot install ${packages.join(" ")} (needs root or sudo, and apt-get); the tests that use them will be skipped`);
  process.exit(0);
}

say(`installing from Debian: ${packages.join(" ")}`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const run = (args) => execFileSync(prefix.length ? prefix[0] : args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), { stdio: ["ignore", "ignore", "inherit"], env });
// Servers the tests start themselves (postfix, redis-server) must not be configured or started as system services:
// postfix is told "No configuration" (its debconf question), and a policy-rc.d kept for the install refuses service starts.
const policy = "/usr/sbin/policy-rc.d";
const ownPolicy = !existsSync(policy);
let failure = null;
try {
  if (packages.includes("postfix")) {
    execFileSync(prefix.length ? prefix[0] : "debconf-set-selections", [...prefix.slice(1), ...(prefix.length ? ["debconf-set-selections"] : [])], {
      input: "postfix postfix/main_mailer_type select No configuration\n",
      stdio: ["pipe", "ignore", "inherit"],
    });
  }
  if (ownPolicy) run(["sh", "-c", `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod +x ${policy}`]);
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages]);
} catch (error) {
  failure = error;
} finally {
  if (ownPolicy) {
    try {
      run(["rm", "-f", policy]);
    } catch {
      say(`could not remove ${policy}; remove it by hand`);
    }
  }
}
if (failure !== null) {
  say(`apt-get failed (${failure.message.split("\n")[0]}); the tests that need ${packages.join(" ")} will be skipped`);
  process.exit(0);
}
const still = missing.filter((p) => !onPath(p.command)).map((p) => p.command);
say(still.length === 0 ? "installed" : `still missing after install: ${still.join(" ")}`);
