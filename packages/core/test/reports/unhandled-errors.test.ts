/**
 * Failures nobody handles are reported once on stderr; expected traffic is
 * not; a listener, an override or the server's `unhandledErrors` option
 * takes the report over. Each case runs a real server process
 * (`unhandled-server.ts`, under tsx) and reads its stderr.
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../../..");
const SERVER = path.join(__dirname, "unhandled-server.ts");
const REPORT = "asynchat: unhandled error in channel";

interface ServerProcess {
  port: number;
  stdout(): string;
  stderr(): string;
  /** Stops the server (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function startServer(mode: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), "--tsconfig", path.join(root, "tsconfig.test.json"), SERVER, mode], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${stderr}`)), 20_000);
    const onData = (): void => {
      const match = /listening (\d+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({
        port: Number(match[1]),
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}:\n${stderr}`)));
  });
}

/** A line client over a real socket. */
class Client {
  text = "";
  readonly closed: Promise<void>;
  /** The peer address the server sees for this client. */
  readonly peer: string;

  private constructor(readonly socket: net.Socket) {
    this.peer = `127.0.0.1:${socket.localPort}`;
    socket.setEncoding("latin1");
    socket.on("data", (s: string) => (this.text += s));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new Client(socket)));
      socket.once("error", reject);
    });
  }

  async until(text: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.text.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(this.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Sends a line and expects the server to echo it. */
  async echo(line: string): Promise<void> {
    this.socket.write(`${line}\r\n`);
    await this.until(`${line}\r\n`);
  }
}

function reports(stderr: string): string[] {
  return stderr.split(REPORT).slice(1);
}

/** Sends `line` on a new connection and waits until the server has closed it. */
async function failOnce(port: number, line: string): Promise<Client> {
  const client = await Client.connect(port);
  client.socket.write(`${line}\r\n`);
  await client.closed;
  return client;
}

describe("a failure from user code that nobody handles", () => {
  it("is reported once on stderr with the channel class, the peer, the error's name, message and stack; the server carries on", async () => {
    const server = await startServer("none");
    const bystander = await Client.connect(server.port);
    await bystander.echo("hello");

    const thrower = await failOnce(server.port, "THROW");
    const rejecter = await failOnce(server.port, "PRODUCER-REJECTS");
    const notData = await failOnce(server.port, "PRODUCER-NOT-DATA");
    const closer = await failOnce(server.port, "CLOSE-THROWS");
    await bystander.echo("still served");
    await server.stop();

    const found = reports(server.stderr());
    expect(found).toHaveLength(4);
    expect(found[0]).toContain(`Lines (${thrower.peer})`);
    expect(found[0]).toContain("TypeError: a handler failed on purpose\n    at ");
    expect(found[0]).toContain("foundTerminator");
    expect(found[1]).toContain(`Lines (${rejecter.peer})`);
    expect(found[1]).toContain("ProducerError: A producer's more() rejected");
    expect(found[1]).toContain("code: 'ERR_PRODUCER_FAILED'");
    expect(found[1]).toContain("RangeError: a producer failed on purpose");
    expect(found[2]).toContain(`Lines (${notData.peer})`);
    expect(found[2]).toContain("ProducerError");
    expect(found[2]).toContain("code: 'ERR_PRODUCER_FAILED'");
    expect(found[3]).toContain(`Lines (${closer.peer})`);
    expect(found[3]).toContain("Error: handleClose failed on purpose\n    at ");
  });
});

describe("expected traffic", () => {
  it("is not reported: an over-long line, a bare LF, a budget, an idle timeout, a frame timeout, a peer's reset, a failed TLS handshake", async () => {
    const server = await startServer("none");

    await failOnce(server.port, "x".repeat(100));
    await failOnce(server.port, "bare\nline");
    const budget = await Client.connect(server.port);
    budget.socket.write("BUDGET\r\none\r\ntwo\r\n");
    await budget.closed;
    const idle = await Client.connect(server.port);
    idle.socket.write("IDLE\r\n");
    await idle.closed;
    const slow = await Client.connect(server.port);
    await slow.echo("FRAME-SOON");
    slow.socket.write("FRAME\r\nhalf a line");
    await slow.closed;
    const reset = await Client.connect(server.port);
    await reset.echo("about to reset");
    reset.socket.resetAndDestroy();
    await reset.closed;
    const handshake = await Client.connect(server.port);
    handshake.socket.write("STARTTLS\r\n");
    await handshake.until("ready\r\n");
    handshake.socket.write("this is not a TLS ClientHello\r\n".repeat(4));
    await handshake.closed;

    const last = await Client.connect(server.port);
    await last.echo("still served");
    await server.stop();
    expect(server.stderr()).toBe("");
  });
});

describe("who takes the report over", () => {
  it.each([
    ["channel-listener", "an error listener on the channel"],
    ["server-listener", "a channelError listener on the server"],
    ["override", "a handleError override that does not call super"],
    ["ignore", 'unhandledErrors: "ignore"'],
  ])("%s: %s; nothing is printed and the channel still closes", async (mode) => {
    const server = await startServer(mode);
    await failOnce(server.port, "THROW");
    const other = await Client.connect(server.port);
    await other.echo("still served");
    await server.stop();
    expect(server.stderr()).toBe("");
  });

  it("unhandledErrors as a function receives the error and the channel instead of stderr", async () => {
    const server = await startServer("route");
    await failOnce(server.port, "THROW");
    await server.stop();
    expect(server.stderr()).toBe("");
    expect(server.stdout()).toContain("routed Lines TypeError a handler failed on purpose\n");
  });
});

describe("a Protocol", () => {
  it("reports a handler that throws, one that rejects and one that names no state; not a rejected frame", async () => {
    const server = await startServer("protocol");
    const thrower = await failOnce(server.port, "THROW");
    const rejecter = await failOnce(server.port, "REJECT");
    const wanderer = await failOnce(server.port, "BAD-STATE");
    await failOnce(server.port, "bare\nline");
    await failOnce(server.port, "y".repeat(100));
    const other = await Client.connect(server.port);
    await other.echo("still served");
    await server.stop();

    const found = reports(server.stderr());
    expect(found).toHaveLength(3);
    expect(found[0]).toContain(`Machine (${thrower.peer})`);
    expect(found[0]).toContain("TypeError: a state handler failed on purpose\n    at ");
    expect(found[1]).toContain(`Machine (${rejecter.peer})`);
    expect(found[1]).toContain("RangeError: an async state handler failed on purpose");
    expect(found[2]).toContain(`Machine (${wanderer.peer})`);
    expect(found[2]).toContain("ProtocolStateError: Machine.line returned type string ('noSuchState'), which is not a state of Machine");
    expect(found[2]).toContain("code: 'ERR_PROTOCOL_NEXT_STATE'");
  });

  it("with an @onError method has handled its failures: nothing is printed", async () => {
    const server = await startServer("protocol-on-error");
    await failOnce(server.port, "THROW");
    await server.stop();
    expect(server.stderr()).toBe("");
    expect(server.stdout()).toContain("onError a state handler failed on purpose\n");
  });
});

