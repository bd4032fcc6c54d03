/**
 * Every system program a test starts is declared: listed in
 * test-support/peers.json (so `npm test` installs it) and named by a
 * `describeWithPeers` call (so a machine without it skips, or fails under
 * CI, instead of failing with `spawn ... ENOENT`).
 */

import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { peer } from "../peers";

const root = path.join(__dirname, "..", "..");

/** Programs every POSIX machine has, that tests may start without declaring. */
const BASE_SYSTEM = new Set(["sh", "true", "false", "kill"]);

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** The test sources: test files and the helpers beside them. */
function testSources(): string[] {
  const all = ["packages", "examples", "test-support"].flatMap((dir) => sources(path.join(root, dir)));
  return all.filter((file) => /\.test\.ts$/.test(file) || /[\\/]test[\\/]/.test(file) || file.includes(`${path.sep}test-support${path.sep}`));
}

/** Literal program names a file starts: `execFile("curl", ...)`, `spawn("redis-server", ...)`, and through `promisify(execFile)`. */
function startedPrograms(text: string): string[] {
  const callees = ["spawn", "spawnSync", "execFile", "execFileSync", "exec", "execSync", "fork"];
  for (const match of text.matchAll(/(?:const|let)\s+(\w+)\s*=\s*promisify\(\s*(?:exec|execFile)\s*\)/g)) callees.push(match[1]!);
  const call = new RegExp(`\\b(?:${callees.join("|")})\\(\\s*["'\`]([\\w.+-]+)["'\`]`, "g");
  return [...text.matchAll(call)].map((m) => m[1]!).filter((name) => !BASE_SYSTEM.has(name));
}

/** Every command some `describeWithPeers(...)` call names. */
function describedPeers(files: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(/describeWithPeers\(\s*(\[[^\]]*\]|"[^"]*"|'[^']*')/g)) {
      for (const name of match[1]!.matchAll(/["']([^"']+)["']/g)) named.add(name[1]!);
    }
  }
  return named;
}

describe("the system programs the tests start", () => {
  const files = testSources().filter((file) => file !== __filename); // its own examples are not calls
  const described = describedPeers(files);
  const started = files.flatMap((file) => startedPrograms(readFileSync(file, "utf8")).map((program) => ({ file: path.relative(root, file), program })));

  it("finds the programs it is meant to police", () => {
    // The check would pass vacuously if the scan found nothing: these are known users.
    expect(started.map((s) => s.program)).toEqual(expect.arrayContaining(["curl", "swaks", "redis-cli", "python3"]));
  });

  it("are each listed in test-support/peers.json and named by a describeWithPeers call", () => {
    const undeclared = started.filter(({ program }) => {
      try {
        peer(program);
        return !described.has(program);
      } catch {
        return true;
      }
    });
    expect(undeclared).toEqual([]);
  });

  it("finds a program started through a promisified execFile", () => {
    expect(startedPrograms('const run = promisify(execFile);\nawait run("swaks", ["--server", "x"]);')).toEqual(["swaks"]);
    expect(startedPrograms('spawn(process.execPath, ["x"]); execFile("sh", ["-c", "true"]);')).toEqual([]);
  });
});

describe("the README's table of system programs", () => {
  it("lists exactly the programs and packages of test-support/peers.json", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const start = readme.indexOf("### What `npm test` needs from the machine");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start));
    const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const table = (JSON.parse(readFileSync(path.join(root, "test-support", "peers.json"), "utf8")) as { peers: Array<{ command: string; package: string }> }).peers
      .map((p) => `${p.command} ${p.package}`)
      .sort();
    expect(rows).toEqual(table);
  });
});
