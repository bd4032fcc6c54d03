/**
 * The packages as a consumer gets them: `npm pack` of each, checked for what
 * a tarball must and must not hold, installed into a new project outside the
 * repository (offline: the dependencies come from the npm cache `npm ci`
 * filled), and used from ESM `import`, CommonJS `require`, and TypeScript
 * (`module`/`moduleResolution: nodenext`) under standard decorators and
 * under `experimentalDecorators`.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const tsc = require.resolve("typescript/bin/tsc");
const PACKAGES = ["core", "decorators"] as const;

// Packing, installing and compiling take their time on a busy machine.
jest.setTimeout(180_000);

interface Packed {
  name: string;
  version: string;
  filename: string;
  files: Array<{ path: string }>;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

async function mustRun(file: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(file, args, cwd);
  if (result.code !== 0) throw new Error(`${path.basename(file)} ${args.join(" ")} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** npm, run by the node running the tests (npm's own script, beside node). */
function npm(args: readonly string[], cwd: string): Promise<string> {
  return mustRun(process.execPath, [npmCli(), ...args], cwd);
}

function npmCli(): string {
  return path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
}

let work: string;
const packed = new Map<string, Packed>();

/** The lockfile entry the repository uses for `name` at a version `range` (a caret range or an exact version) allows. */
function lockedDependency(name: string, range: string): { version: string; integrity: string } {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; integrity?: string }> };
  const wanted = range.replace(/^\^/, "").split(".").map(Number);
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.endsWith(`node_modules/${name}`) || entry.version === undefined || entry.integrity === undefined) continue;
    const have = entry.version.split(".").map(Number);
    const sameLine = wanted[0]! > 0 ? have[0] === wanted[0] : have[0] === 0 && have[1] === wanted[1];
    const notOlder = have[0]! > wanted[0]! || (have[0] === wanted[0] && (have[1]! > wanted[1]! || (have[1] === wanted[1] && have[2]! >= wanted[2]!)));
    if (range.startsWith("^") ? sameLine && notOlder : entry.version === range) return { version: entry.version, integrity: entry.integrity };
  }
  throw new Error(`package-lock.json has no ${name}@${range}`);
}

function integrityOf(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/**
 * A consumer project whose lockfile names the two tarballs and the registry
 * versions of their dependencies, so `npm ci --offline` installs it from the
 * cache alone.
 */
function writeConsumer(dir: string): void {
  const deps: Record<string, string> = {};
  const lockPackages: Record<string, unknown> = {};
  const registryDeps = new Map<string, string>();
  for (const pkg of PACKAGES) {
    const info = packed.get(pkg)!;
    const manifest = JSON.parse(readFileSync(path.join(root, "packages", pkg, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    deps[info.name] = `file:${info.filename}`;
    lockPackages[`node_modules/${info.name}`] = {
      version: info.version,
      resolved: `file:${info.filename}`,
      integrity: integrityOf(path.join(dir, info.filename)),
      dependencies: manifest.dependencies ?? {},
    };
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) if (!name.startsWith("@asynchat/")) registryDeps.set(name, range);
  }
  for (const [name, range] of registryDeps) lockPackages[`node_modules/${name}`] = lockedDependency(name, range);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", dependencies: deps }, null, 2));
  writeFileSync(
    path.join(dir, "package-lock.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages: { "": { name: "consumer", version: "1.0.0", dependencies: deps }, ...lockPackages } }, null, 2),
  );
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), "packed-packages-"));
  for (const pkg of PACKAGES) {
    // prepack builds the package first, as `npm publish` and `lerna publish` do.
    const out = await npm(["pack", "--json", "--pack-destination", work], path.join(root, "packages", pkg));
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as Packed[];
    packed.set(pkg, info!);
  }
  const consumer = path.join(work, "consumer");
  mkdirSync(consumer);
  for (const info of packed.values()) writeFileSync(path.join(consumer, info.filename), readFileSync(path.join(work, info.filename)));
  writeConsumer(consumer);
  const offline = await run(process.execPath, [npmCli(), "ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
  if (offline.code !== 0) {
    // The cache lacks a dependency (npm ci was not run on this machine): fetch it.
    process.stderr.write(`packed-packages: npm ci --offline failed (${offline.stderr.split("\n").find((l) => l.includes("error")) ?? offline.code}); installing from the registry\n`);
    await npm(["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
  }
}, 150_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe.each(PACKAGES)("the packed @asynchat/%s", (pkg) => {
  const files = (): string[] => packed.get(pkg)!.files.map((f) => f.path);

  it("ships no .tsbuildinfo and no tests", () => {
    expect(files().filter((f) => f.endsWith(".tsbuildinfo") || /(^|\/)test\//.test(f) || f.endsWith(".test.ts"))).toEqual([]);
  });

  it("ships every file its package.json points to, with declarations", () => {
    const manifest = JSON.parse(readFileSync(path.join(root, "packages", pkg, "package.json"), "utf8")) as {
      main: string;
      types: string;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [manifest.main, manifest.types];
    for (const target of Object.values(manifest.exports)) targets.push(...(typeof target === "string" ? [target] : Object.values(target)));
    const shipped = new Set(files());
    expect(targets.map((t) => path.posix.normalize(t)).filter((t) => !shipped.has(t))).toEqual([]);
    const js = files().filter((f) => f.startsWith("dist/") && f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(5);
    expect(js.filter((f) => !shipped.has(f.replace(/\.js$/, ".d.ts")))).toEqual([]);
  });

  it("ships the sources its source and declaration maps name", () => {
    const unpacked = path.join(work, "consumer", "node_modules", "@asynchat", pkg);
    const shipped = new Set(files());
    const maps = files().filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(5);
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(unpacked, map), "utf8")) as { sources: string[] };
      for (const source of sources) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), source));
        if (!shipped.has(target)) dangling.push(`${map} -> ${target}`);
      }
    }
    expect(dangling).toEqual([]);
  });
});

/** A protocol written once, compiled under each decorator dialect and module kind. */
const PROTOCOL_SOURCE = `
import { AsyncChat, DEFAULT_MAX_CONNECTIONS } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { Protocol, describeProtocol, onBytes, onTerminator } from "@asynchat/decorators";

class Lines extends Protocol {
  readonly seen: string[] = [];

  @onTerminator("\\r\\n", { encoding: "latin1" })
  line(text: string): string | undefined {
    this.seen.push(text);
    return text === "BODY" ? "body" : undefined;
  }

  @onBytes(3)
  body(data: Buffer): string {
    this.seen.push("body:" + data.toString("latin1"));
    return "line";
  }
}

class Echo extends AsyncChat {
  constructor(socket: ConstructorParameters<typeof AsyncChat>[0]) {
    super(socket);
    this.setTerminator("\\n");
  }
  override collectIncomingData(data: Buffer): void {
    this.appendData(data);
  }
  override foundTerminator(): void {
    this.push(Buffer.concat([Buffer.from("echo:"), this.getData(), Buffer.from("\\n")]));
  }
}

export async function check(): Promise<string> {
  const lines = new Lines();
  lines.handleRead(Buffer.from("one\\r\\nBODY\\r\\nxyztwo\\r\\n"));
  const [client, server] = createSocketPair();
  new Echo(server);
  const reply = new Promise<string>((resolve) => client.once("data", (chunk: Buffer) => resolve(chunk.toString())));
  client.write("hi\\n");
  const echoed = await reply;
  client.destroy();
  return JSON.stringify({ seen: lines.seen, states: describeProtocol(Lines).map((s) => s.name), echoed, max: DEFAULT_MAX_CONNECTIONS });
}
`;

const EXPECTED = JSON.stringify({ seen: ["one", "BODY", "body:xyz", "two"], states: ["line", "body"], echoed: "echo:hi\n", max: 10000 });

function tsconfig(outDir: string, legacy: boolean): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      strict: true,
      // The packages' declarations are checked too, as a consumer with skipLibCheck off would
      // (once is enough: both dialects read the same declarations).
      skipLibCheck: legacy,
      outDir,
      rootDir: "src",
      typeRoots: [path.join(root, "node_modules", "@types")],
      types: ["node"],
      ...(legacy ? { experimentalDecorators: true, emitDecoratorMetadata: true } : {}),
    },
    include: ["src"],
  });
}

describe("a new project using the installed tarballs", () => {
  const consumer = (): string => path.join(work, "consumer");

  /** Both dialects' projects, written and compiled side by side (tsc is the slow part), by dialect. */
  const compiled = new Map<boolean, Promise<void>>();
  beforeAll(() => {
    for (const legacy of [false, true]) {
      const project = path.join(consumer(), legacy ? "ts-legacy" : "ts-standard");
      mkdirSync(path.join(project, "src"), { recursive: true });
      // Inside the consumer project: "type": "module" makes .ts ESM; .cts is CommonJS.
      writeFileSync(path.join(project, "src", "protocol.ts"), PROTOCOL_SOURCE);
      writeFileSync(path.join(project, "src", "main.ts"), `import { check } from "./protocol.js";\nconsole.log(await check());\n`);
      writeFileSync(path.join(project, "src", "protocol-cjs.cts"), PROTOCOL_SOURCE);
      writeFileSync(path.join(project, "src", "main-cjs.cts"), `import { check } from "./protocol-cjs.cjs";\ncheck().then((out) => console.log(out));\n`);
      writeFileSync(path.join(project, "tsconfig.json"), tsconfig("dist", legacy));
      const done = mustRun(process.execPath, [tsc, "-p", "tsconfig.json"], project).then(() => undefined);
      done.catch(() => undefined); // reported by the tests that await it
      compiled.set(legacy, done);
    }
  });

  it("imports them from ESM", async () => {
    writeFileSync(
      path.join(consumer(), "esm.mjs"),
      `import { AsyncChat, ChatServer } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { Protocol, onTerminator, describeProtocol } from "@asynchat/decorators";
const frames = [];
class Lines extends AsyncChat {
  collectIncomingData(data) { this.appendData(data); }
  foundTerminator() { frames.push(this.getData().toString()); }
}
const chat = new Lines();
chat.setTerminator("\\r\\n");
chat.handleRead(Buffer.from("a\\r\\nb"));
chat.handleRead(Buffer.from("c\\r\\n"));
console.log(JSON.stringify({ frames, kinds: [typeof ChatServer, typeof createSocketPair, typeof Protocol, typeof onTerminator, typeof describeProtocol] }));
`,
    );
    const out = await mustRun(process.execPath, ["esm.mjs"], consumer());
    expect(JSON.parse(out)).toEqual({ frames: ["a", "bc"], kinds: ["function", "function", "function", "function", "function"] });
  });

  it("requires them from CommonJS", async () => {
    writeFileSync(
      path.join(consumer(), "cjs.cjs"),
      `const { AsyncChat, SimpleProducer } = require("@asynchat/core");
const { createSocketPair } = require("@asynchat/core/testing");
const { Protocol } = require("@asynchat/decorators");
const { version } = require("@asynchat/core/package.json");
const frames = [];
class Counted extends AsyncChat {
  collectIncomingData(data) { this.appendData(data); }
  foundTerminator() { frames.push(this.getData().toString()); }
}
const chat = new Counted();
chat.setTerminator(3);
chat.handleRead(Buffer.from("abcdefg"));
console.log(JSON.stringify({ frames, left: chat.getTerminator(), version, kinds: [typeof SimpleProducer, typeof createSocketPair, typeof Protocol] }));
`,
    );
    const out = await mustRun(process.execPath, ["cjs.cjs"], consumer());
    expect(JSON.parse(out)).toEqual({ frames: ["abc"], left: 0, version: packed.get("core")!.version, kinds: ["function", "function", "function"] });
  });

  describe.each([
    ["standard decorators", false],
    ["experimentalDecorators", true],
  ])("TypeScript (nodenext) under %s", (_name, legacy) => {
    const project = (): string => path.join(consumer(), legacy ? "ts-legacy" : "ts-standard");

    it("compiles against the installed declarations", async () => {
      await compiled.get(legacy);
    });

    it("runs as ESM (.ts) and as CommonJS (.cts)", async () => {
      await compiled.get(legacy);
      expect((await mustRun(process.execPath, ["dist/main.js"], project())).trim()).toBe(EXPECTED);
      expect((await mustRun(process.execPath, ["dist/main-cjs.cjs"], project())).trim()).toBe(EXPECTED);
      const emitted = readFileSync(path.join(project(), "dist", "protocol.js"), "utf8");
      // Each dialect is really in use: TypeScript's legacy __decorate helper, or the standard __esDecorate.
      expect(emitted).toContain(legacy ? "__decorate(" : "__esDecorate(");
    });
  });
});
