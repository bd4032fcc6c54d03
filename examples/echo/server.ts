/**
 * The smallest asynchat server: echoes every CRLF- or LF-terminated line
 * back, prefixed with its number; `QUIT` says goodbye and closes.
 */

import type { Duplex } from "node:stream";
import { AsyncChat, ChatServer, type ChatServerOptions } from "@asynchat/core";

/** One echo connection: lines in, numbered lines out. */
export class EchoChannel extends AsyncChat {
  #count = 0;

  constructor(socket: Duplex) {
    super(socket, { maxLength: 64 * 1024, idleTimeout: 5 * 60_000 });
    this.setTerminator(["\r\n", "\n"]);
  }

  override handleConnect(): void {
    this.push("+ echo ready; QUIT to leave\r\n");
  }

  override collectIncomingData(data: Buffer): void {
    this.appendData(data);
  }

  override foundTerminator(): void {
    const line = this.getData();
    if (line.toString("latin1").trim().toUpperCase() === "QUIT") {
      this.push("+ bye\r\n");
      this.closeWhenDone();
      return;
    }
    this.push(`${++this.#count}: `);
    this.push(line);
    this.push("\r\n");
  }

  override handleFrameTooLong(): void {
    this.getData(); // forget the part of the long line already collected
    this.push("- line too long\r\n");
  }
}

/**
 * Starts the echo server; resolves once it listens.
 * @param options `maxConnections` (default `ChatServer`'s)
 */
export async function startEcho(port: number, host: string, options: Pick<ChatServerOptions, "maxConnections" | "proxyProtocol"> = {}): Promise<ChatServer<EchoChannel>> {
  const server = new ChatServer(EchoChannel, options);
  await server.listen(port, host);
  return server;
}
