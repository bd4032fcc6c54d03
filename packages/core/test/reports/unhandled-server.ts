/**
 * A real server process for the unhandled-failure tests: started with
 * `tsx`, it prints `listening <port>` and serves until SIGTERM. The mode
 * (first argument) says who, if anyone, handles failures:
 *
 * - `none`: nobody (the report goes to stderr);
 * - `channel-listener`: each channel listens for its own `error`;
 * - `server-listener`: the server has a `channelError` listener;
 * - `override`: `handleError` is overridden without calling `super`;
 * - `route`: the server's `unhandledErrors` is a function (it prints `routed ...` on stdout);
 * - `ignore`: the server's `unhandledErrors` is `"ignore"`;
 * - `protocol`: a `Protocol` with nobody handling; `protocol-on-error`: one with an `@onError` method.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { Duplex } from "node:stream";
import { AsyncChat, type ChannelClass, ChatServer, type ChatServerOptions } from "@asynchat/core";
import { Protocol, onError, onTerminator } from "@asynchat/decorators";

const mode = process.argv[2] ?? "none";
const key = readFileSync(path.join(__dirname, "../fixtures/localhost-key.pem"));
const cert = readFileSync(path.join(__dirname, "../fixtures/localhost-cert.pem"));

/**
 * A line channel whose commands make it fail in each way: bugs (`THROW`,
 * `PRODUCER-REJECTS`, `PRODUCER-NOT-DATA`, `CLOSE-THROWS`) and expected
 * traffic (`IDLE`, `FRAME`, `BUDGET`, `STARTTLS`, an over-long line, a bare LF). Anything else is echoed.
 */
class Lines extends AsyncChat {
  #parts: Buffer[] = [];
  #closeThrows = false;

  constructor(socket: Duplex) {
    super(socket, { maxLength: 64, lineEndings: "crlf" });
    this.setTerminator("\r\n");
    if (mode === "channel-listener") this.on("error", () => undefined);
  }

  override collectIncomingData(data: Buffer): void {
    this.#parts.push(data);
  }

  override foundTerminator(): void {
    const line = Buffer.concat(this.#parts).toString("latin1");
    this.#parts = [];
    switch (line) {
      case "THROW":
        throw new TypeError("a handler failed on purpose");
      case "PRODUCER-REJECTS":
        this.pushWithProducer({ more: () => Promise.reject(new RangeError("a producer failed on purpose")) });
        return;
      case "PRODUCER-NOT-DATA":
        // A producer bug: more() returns something that is neither bytes, a string nor the end.
        this.pushWithProducer({ more: () => 42 as unknown as Buffer });
        return;
      case "CLOSE-THROWS":
        this.#closeThrows = true;
        this.closeWhenDone();
        return;
      case "IDLE":
        this.idleTimeout = 100;
        return;
      case "FRAME":
        this.frameTimeout = 100;
        return;
      case "BUDGET":
        this.startBudget({ name: "lines", maxFrames: 1 });
        return;
      case "STARTTLS":
        this.push("ready\r\n");
        void this.startTls({ isServer: true, key, cert, handshakeTimeout: 2000 });
        return;
      default:
        this.push(`${line}\r\n`);
    }
  }

  override handleClose(): void {
    if (this.#closeThrows) {
      this.#closeThrows = false;
      super.handleClose();
      throw new Error("handleClose failed on purpose");
    }
    super.handleClose();
  }

  override handleError(error: Error): void {
    if (mode === "override") {
      this.close();
      return;
    }
    super.handleError(error);
  }
}

class Machine extends Protocol {
  @onTerminator("\r\n", { encoding: "latin1", maxLength: 64, lineEndings: "crlf" })
  line(text: string): unknown {
    if (text === "THROW") throw new TypeError("a state handler failed on purpose");
    if (text === "REJECT") return Promise.reject(new RangeError("an async state handler failed on purpose"));
    if (text === "BAD-STATE") return "noSuchState";
    this.push(`${text}\r\n`);
    return undefined;
  }
}

class MachineWithOnError extends Machine {
  @onError
  failed(error: Error): void {
    process.stdout.write(`onError ${error.message}\n`);
  }
}

async function main(): Promise<void> {
  const options: ChatServerOptions = {};
  if (mode === "route") options.unhandledErrors = (error, channel) => process.stdout.write(`routed ${channel.constructor.name} ${error.name} ${error.message}\n`);
  if (mode === "ignore") options.unhandledErrors = "ignore";
  const channel = mode === "protocol" ? Machine : mode === "protocol-on-error" ? MachineWithOnError : Lines;
  const server = new ChatServer<AsyncChat<any>>(channel as ChannelClass<AsyncChat<any>>, options);
  if (mode === "server-listener") server.on("channelError", () => undefined);
  const { port } = await server.listen(0, "127.0.0.1");
  process.stdout.write(`listening ${port}\n`);
  process.once("SIGTERM", () => {
    void server.close({ graceful: false }).then(() => process.exit(0));
  });
}

void main();
