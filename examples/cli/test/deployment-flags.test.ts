/**
 * `--workers`, `--proxy-protocol` and `--proxy-from`: parsed into the
 * options every example gets, refused where an example's state lives in one
 * process, and the real CLI run as a cluster behind the PROXY protocol.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { proxyHeaderV1 } from "@asynchat/core/testing";
import { examples } from "../../registry";
import { FlagError } from "../flag-error";
import { type Command, parseCommandLine } from "../parse-command-line";

const root = path.join(__dirname, "..", "..", "..");
const cli = path.join(root, "examples", "dist", "start.js");

function options(argv: string[]) {
  const command: Command = parseCommandLine(argv, examples);
  if (command.kind !== "start") throw new Error("expected a start command");
  return command.plans[0]!.options;
}

function mistake(argv: string[]): string {
  try {
    parseCommandLine(argv, examples);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

describe("the deployment flags", () => {
  it("read --workers as a count, auto as the machine's parallelism, and leave it unset by default", () => {
    expect(options(["--only", "http", "--workers", "3"]).workers).toBe(3);
    expect(options(["--only", "smtp", "--workers", "auto"]).workers).toBe(os.availableParallelism());
    expect(options(["--only", "http"]).workers).toBeUndefined();
  });

  it("refuse a bad worker count, naming the flag", () => {
    for (const bad of ["0", "-1", "1.5", "many"]) expect(mistake(["--only", "http", `--workers=${bad}`])).toMatch(/^http: --workers takes a whole number >= 1 or auto/);
    expect(mistake(["--workers", "2"])).toMatch(/unknown flag --workers \(--workers is for one example/);
  });

  it("refuse more than one worker for RESP and for IRC without --redis, saying why, and allow one", () => {
    expect(mistake(["--only", "resp", "--workers", "2"])).toMatch(/^resp: --workers 2 refused: its keyspace lives in one process/);
    expect(mistake(["--only", "irc", "--workers", "auto"])).toMatch(/^irc: --workers auto refused: its nicknames and channels live in one process.*with --redis URL/);
    // With --redis each worker is a node of one network.
    expect(options(["--only", "irc", "--workers", "2", "--redis", "redis://127.0.0.1:6379"]).workers).toBe(2);
    expect(options(["--only", "resp", "--workers", "1"]).workers).toBe(1);
    expect(options(["--only", "smtp", "--workers", "2"]).workers).toBe(2);
  });

  it("turn --proxy-protocol into the ChatServer option, with --proxy-from as its trusted sources", () => {
    expect(options(["--only", "smtp"]).deployment).toBeUndefined();
    expect(options(["--only", "smtp", "--proxy-protocol"]).deployment).toEqual({ proxyProtocol: true });
    expect(options(["--only", "irc", "--proxy-protocol", "--proxy-from", "10.0.0.0/8", "--proxy-from", "2001:db8::/32"]).deployment).toEqual({
      proxyProtocol: { trustedSources: ["10.0.0.0/8", "2001:db8::/32"] },
    });
    // npm start hands them to every example.
    const all = parseCommandLine(["--proxy-protocol", "--proxy-from", "192.0.2.1"], examples);
    if (all.kind !== "start") throw new Error("expected a start command");
    for (const plan of all.plans) expect(plan.options.deployment).toEqual({ proxyProtocol: { trustedSources: ["192.0.2.1"] } });
  });

  it("refuse --proxy-from without --proxy-protocol, and a range that is not one", () => {
    expect(mistake(["--only", "http", "--proxy-from", "10.0.0.0/8"])).toMatch(/needs --proxy-protocol/);
    for (const bad of ["10.0.0/8", "10.0.0.0/33", "localhost", "::1/129"]) {
      expect(mistake(["--only", "http", "--proxy-protocol", "--proxy-from", bad])).toContain(`--proxy-from takes an IPv4 or IPv6 address or CIDR range`);
    }
    expect(mistake(["--only", "http", "--proxy-protocol=yes"])).toMatch(/--proxy-protocol takes no value/);
  });
});

describe("npm run example -- http --workers 2 --proxy-protocol", () => {
  jest.setTimeout(60_000);
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    // The spawned CLI is the compiled one: bring it up to date with the sources (quick when it is).
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "packages/core", "packages/decorators", "examples"], { cwd: root }, (error, stdout) =>
        error === null ? resolve() : reject(new Error(`build failed: ${stdout}`)),
      );
    });
  }, 180_000);

  afterEach(() => {
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  /** One request with a PROXY header naming 198.51.100.4; resolves with the status line. */
  function request(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1" }, () => {
        socket.write(Buffer.concat([proxyHeaderV1({ sourceAddress: "198.51.100.4", sourcePort: 4000, destinationAddress: "127.0.0.1", destinationPort: port }), Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]));
      });
      let got = "";
      socket.on("data", (data: Buffer) => (got += data.toString("latin1")));
      socket.on("close", () => resolve(got.split("\r\n")[0]!));
      socket.on("error", reject);
    });
  }

  it("prints one listening line once both workers listen, serves through the header, restarts on SIGHUP and exits 0 on SIGTERM", async () => {
    child = spawn(process.execPath, [cli, "--only", "http", "--port", "0", "--workers", "2", "--proxy-protocol"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    const waitFor = async (what: () => boolean, name: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${name}: ${stdout} ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitFor(() => /listening http 127\.0\.0\.1:\d+\n/.test(stdout), "the listening line");
    expect(stdout.match(/listening/g)).toHaveLength(1);
    expect(stdout).toMatch(/2 workers \(pids \d+, \d+\)/);
    const port = Number(/listening http 127\.0\.0\.1:(\d+)/.exec(stdout)![1]);
    expect(await request(port)).toBe("HTTP/1.1 200 OK");
    // Without the header the connection is closed unanswered.
    const bare = await new Promise<string>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" }, () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      let got = "";
      socket.on("data", (data: Buffer) => (got += data.toString()));
      socket.on("close", () => resolve(got));
      socket.on("error", () => resolve(got));
    });
    expect(bare).toBe("");
    child.kill("SIGHUP");
    await waitFor(() => stderr.includes("rolling restart done"), "the rolling restart");
    expect(await request(port)).toBe("HTTP/1.1 200 OK");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
