/**
 * The examples' command line: the real CLI (examples/dist/start.js) spawned
 * as a user runs it, and the parser fed flag tables with every kind of flag.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_MAX_CONNECTIONS } from "@asynchat/core";
import { examples } from "../../registry";
import { COMMON_FLAGS } from "../common-flags";
import { flagUsage } from "../flag";
import { FlagError } from "../flag-error";
import { type Command, parseCommandLine } from "../parse-command-line";
import type { Example } from "../../registry";

const root = path.join(__dirname, "..", "..", "..");

// Every test spawns node, some several times: give a busy machine room.
jest.setTimeout(120_000);

const cli = path.join(root, "examples", "dist", "start.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // The spawned CLI is the compiled one: bring it up to date with the sources (quick when it is).
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "packages/core", "packages/decorators", "examples"], { cwd: root }, (error, stdout) =>
      error === null ? resolve() : reject(new Error(`build failed: ${stdout}`)),
    );
  });
}, 180_000);

describe("mistakes on the command line", () => {
  it("rejects an unknown flag with exit status 2, naming it", async () => {
    const run = await runCli(["--only", "irc", "--redis-url", "redis://127.0.0.1:1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^irc: unknown flag --redis-url/);
    expect(run.stdout).not.toContain("listening");
  });

  it("says which example an unknown flag belongs to", async () => {
    const run = await runCli(["--only", "irc", "--maildir", "/tmp/x"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown flag --maildir (--maildir is a flag of smtp)");
  });

  it("rejects a flag given last without its value, naming it", async () => {
    const run = await runCli(["--only", "smtp", "--port", "0", "--maildir"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^smtp: --maildir needs a value \(--maildir DIR\)/);
    expect(run.stdout).not.toContain("listening");
  });

  it("rejects a flag whose value is missing before the next flag", async () => {
    const run = await runCli(["--only", "resp", "--port", "--host", "127.0.0.1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^resp: --port needs a value/);
  });

  it("rejects a value for --help, a bad port, an unknown example and a stray argument", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--only", "echo", "--help=yes"], /^echo: --help takes no value/],
      [["--only", "echo", "--port", "http"], /^echo: --port takes a whole number from 0 to 65535, got "http"/],
      [["--only", "echo", "--max-connections", "0"], /^echo: --max-connections takes a whole number >= 1, got "0"/],
      [["--only", "gopher"], /^unknown example "gopher"; the examples are echo, smtp, irc, resp, http/],
      [["--only", "echo", "again"], /^echo: unexpected argument "again"/],
      [["--only"], /^name an example/],
      [["--port", "1"], /^npm start: unknown flag --port \(--port is for one example/],
      [["--only", "resp", "--port", "0", "--max-clients", "5", "--max-connections", "6"], /^resp: --max-clients and --max-connections set the same limit; give one/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
  });
});

describe("--help", () => {
  it("lists every example's flags with their defaults", async () => {
    for (const args of [["--help"], ["--only", "--help"], ["-h"]]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      for (const flag of COMMON_FLAGS) expect(run.stdout).toMatch(new RegExp(`${escape(flagUsage(flag))} .*\\(default: ${escape(flag.default)}\\)`));
      for (const example of examples) {
        expect(run.stdout).toContain(`${example.name} (port ${example.defaultPort})`);
        for (const flag of example.flags) expect(run.stdout).toMatch(new RegExp(`${escape(flagUsage(flag))} .*\\(default: ${escape(flag.default)}\\)`));
      }
    }
  });

  it("states ChatServer's default connection limit for --max-connections", async () => {
    const run = await runCli(["--only", "irc", "--help"]);
    expect(run.stdout).toMatch(new RegExp(`--max-connections N .*\\(default: ${DEFAULT_MAX_CONNECTIONS}\\)`));
  });

  it("for one example lists its flags, its own port, and no other example's", async () => {
    const run = await runCli(["--only", "irc", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--port N .*\(default: 6667\)/);
    expect(run.stdout).toContain("--ping-interval SECONDS");
    expect(run.stdout).not.toContain("--maildir");
  });
});

/** Starts one example as `npm run example` does; resolves with its port once it listens. */
function startExample(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "--only", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening (\S+) 127\.0\.0\.1:(\d+)$/m.exec(out);
      if (match !== null) resolve({ child, port: Number(match[2]) });
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${err}`)));
  });
}

function stopExample(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

/** Opens a connection and waits for the server's first bytes (a greeting or a refusal) or for its close. */
function firstWords(port: number, hello: string): Promise<{ socket: net.Socket; text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      resolve({ socket, text, closed });
    };
    socket.on("connect", () => socket.write(hello));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      setTimeout(() => finish(false), 300);
    });
    socket.on("close", () => finish(true));
    socket.on("error", reject);
  });
}

describe("--max-connections reaches every example's server", () => {
  const maildir = mkdtempSync(path.join(os.tmpdir(), "cli-test-maildir-"));
  afterAll(() => rmSync(maildir, { recursive: true, force: true }));

  const hello: Record<string, string> = {
    echo: "hi\r\n",
    smtp: "",
    irc: "NICK one\r\nUSER one 0 * :One\r\n",
    resp: "PING\r\n",
    http: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  };

  it.each(examples.map((e) => e.name))("%s refuses the second connection with --max-connections 1", async (name) => {
    const extra = name === "smtp" ? ["--maildir", maildir] : [];
    const { child, port } = await startExample([name, "--port", "0", "--max-connections", "1", ...extra]);
    try {
      const first = await firstWords(port, hello[name]!);
      expect(first.text.length).toBeGreaterThan(0);
      const second = await firstWords(port, hello[name]!);
      // The second is refused: closed by the server (after its refusal message, if it has one).
      if (!second.closed) await new Promise((resolve) => second.socket.once("close", resolve));
      first.socket.destroy();
      second.socket.destroy();
    } finally {
      expect(await stopExample(child)).toBe(0);
    }
  });
});

/** A registry with every kind of flag, for the parser alone. */
const fake: Example[] = [
  {
    name: "alpha",
    summary: "first",
    defaultPort: 1111,
    inStart: true,
    flags: [
      { name: "dry-run", type: "boolean", default: "off", description: "say what would be done" },
      { name: "allow-from", type: "string", multiple: true, value: "CIDR", default: "loopback", description: "allowed sources" },
      { name: "threads", type: "string", value: "N", default: "1", description: "threads" },
    ],
    start: () => Promise.reject(new Error("not in this test")),
    hint: () => "",
  },
  {
    name: "beta",
    summary: "second",
    defaultPort: 2222,
    inStart: true,
    flags: [
      { name: "threads", type: "string", value: "N", default: "1", description: "threads" },
      { name: "motd", type: "string", value: "FILE", default: "none", description: "greeting" },
    ],
    start: () => Promise.reject(new Error("not in this test")),
    hint: () => "",
  },
];

function plans(command: Command) {
  if (command.kind !== "start") throw new Error("expected servers to start");
  return command.plans.map((p) => ({ name: p.example.name, ...p.options, switches: [...(p.options.switches ?? [])] }));
}

describe("the parser", () => {
  it("reads boolean, repeatable and valued flags by their declared kind", () => {
    const [alpha] = plans(parseCommandLine(["--only", "alpha", "--dry-run", "--allow-from", "10.0.0.0/8", "--allow-from=::1/128", "--threads", "4", "--host", "::1"], fake));
    expect(alpha).toEqual({
      name: "alpha",
      port: 1111,
      host: "::1",
      maxConnections: DEFAULT_MAX_CONNECTIONS,
      flags: { threads: "4", host: "::1" },
      switches: ["dry-run"],
      lists: { "allow-from": ["10.0.0.0/8", "::1/128"] },
    });
  });

  it("hands each example of npm start only the common flags and its own", () => {
    const [alpha, beta] = plans(parseCommandLine(["--threads", "2", "--motd", "m.txt", "--dry-run", "--max-connections", "50"], fake));
    expect(alpha).toMatchObject({ port: 1111, maxConnections: 50, flags: { threads: "2", "max-connections": "50" }, switches: ["dry-run"] });
    expect(beta).toMatchObject({ port: 2222, maxConnections: 50, flags: { threads: "2", motd: "m.txt", "max-connections": "50" }, switches: [] });
  });

  it("refuses a value given to a boolean flag and a flag of another example", () => {
    expect(() => parseCommandLine(["--only", "alpha", "--dry-run=yes"], fake)).toThrow(new FlagError("alpha: --dry-run takes no value"));
    expect(() => parseCommandLine(["--only", "alpha", "--motd", "x"], fake)).toThrow("alpha: unknown flag --motd (--motd is a flag of beta)");
  });

  it("refuses a flag table that declares one flag two ways", () => {
    const clash: Example[] = [fake[0]!, { ...fake[1]!, flags: [{ name: "threads", type: "boolean", default: "off", description: "x" }] }];
    expect(() => parseCommandLine([], clash)).toThrow("beta: --threads is declared differently by alpha");
    const noPlaceholder: Example[] = [{ ...fake[1]!, flags: [{ name: "motd", type: "string", default: "none", description: "x" }] }];
    expect(() => parseCommandLine(["--only", "beta"], noPlaceholder)).toThrow('beta: --motd takes a value, so it needs a `value` placeholder such as "N"');
  });

  it("accepts every example's real flag table", () => {
    expect(() => parseCommandLine([], examples)).not.toThrow();
    for (const example of examples) expect(() => parseCommandLine(["--only", example.name], examples)).not.toThrow();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
