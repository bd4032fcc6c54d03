/**
 * A machine without the system programs the tests talk to: the real-client
 * tests (swaks, curl, redis-cli) run in a jest of their own whose PATH holds
 * only `node` and `sh`. Without CI they are skipped, each with one line
 * naming the Debian package, and the run passes; with `CI=true` the run fails
 * naming each missing program. And `npm test`'s first step, which installs
 * them where it can, says what it cannot install there and carries on.
 */

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const jestCli = require.resolve("jest/bin/jest");

/** The real-client test files and what each must say when its program is missing. */
const clientTests = [
  { file: "examples/smtp/test/swaks.test.ts", describe: "swaks as the client", command: "swaks", debian: "swaks" },
  { file: "examples/http/test/curl.test.ts", describe: "the http example with curl", command: "curl", debian: "curl" },
  { file: "examples/resp/test/redis-cli.test.ts", describe: "redis-cli", command: "redis-cli", debian: "redis-tools" },
];

let bare: string;

beforeAll(() => {
  bare = mkdtempSync(path.join(os.tmpdir(), "bare-path-"));
  symlinkSync(process.execPath, path.join(bare, "node"));
  symlinkSync("/bin/sh", path.join(bare, "sh")); // test-support/peers.ts asks sh whether a program exists
});

afterAll(() => rmSync(bare, { recursive: true, force: true }));

interface JestRun {
  code: number | null;
  output: string;
}

function jestWithBarePath(ci: boolean): Promise<JestRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bare };
  delete env.CI;
  delete env.JEST_WORKER_ID;
  if (ci) env.CI = "true";
  const args = [jestCli, "--selectProjects", "standard", "--runInBand", "--colors=false", ...clientTests.map((t) => t.file)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

describe("scripts/install-peers.mjs (npm test's first step) where it cannot install", () => {
  function installPeers(extraEnv: NodeJS.ProcessEnv): Promise<JestRun> {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bare, ...extraEnv };
    return new Promise((resolve) => {
      execFile(process.execPath, [path.join(root, "scripts", "install-peers.mjs")], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, output: `${stdout}${stderr}` });
      });
    });
  }

  it("says which packages it cannot install without apt-get, and lets the tests run", async () => {
    const run = await installPeers({});
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/^install-peers: cannot install curl .*swaks .*redis-tools .*\(needs root or sudo, and apt-get\); the tests that use them will be skipped\n$/);
  });

  it("installs nothing when told not to, naming what is missing", async () => {
    const run = await installPeers({ ASYNCHAT_NO_INSTALL: "1" });
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/^install-peers: not installing \(ASYNCHAT_NO_INSTALL=1\); missing: curl .*swaks/);
  });
});

describe("the real-client tests on a machine without their programs", () => {
  it("are skipped with one line naming the package each, and the run passes", async () => {
    const run = await jestWithBarePath(false);
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
    for (const t of clientTests) {
      const lines = run.output.split("\n").filter((line) => line.startsWith(`SKIPPED "${t.describe}"`));
      expect(lines).toEqual([`SKIPPED "${t.describe}": needs ${t.command} (Debian package ${t.debian}); install with: apt-get install ${t.debian}`]);
    }
    expect(run.output).toMatch(/Tests:\s+\d+ skipped, \d+ total/);
  }, 180_000);

  it("fail the run under CI=true, naming each missing program", async () => {
    const run = await jestWithBarePath(true);
    expect(run.code).not.toBe(0);
    for (const t of clientTests) {
      expect(run.output).toContain(`missing on this machine: ${t.command} (Debian package ${t.debian}); CI must not pass by skipping`);
    }
    // Every test that ran is one of those failures: nothing passed by running without its program.
    expect(run.output).toMatch(/Tests:\s+(\d+) failed, \1 total/);
  }, 180_000);
});
