/**
 * The SMTP server: a `ChatServer` making one {@link SmtpSession} per
 * connection, with a connection cap and a graceful shutdown that lets the
 * message under way finish.
 */

import type { AddressInfo } from "node:net";
import { ChatServer } from "@asynchat/core";
import type { DeploymentOptions } from "../deployment";
import { type SmtpContext, type SmtpServerOptions, createContext, positiveInteger } from "./config";
import { REPLY } from "./replies";
import { SmtpSession } from "./session";

/** A listening (or ready to listen) SMTP server delivering to a Maildir. */
export class SmtpServer {
  readonly #context: SmtpContext;
  readonly #chat: ChatServer<SmtpSession>;
  readonly #closeTimeout: number;
  #closing: Promise<void> | null = null;

  private constructor(context: SmtpContext, options: SmtpServerOptions, deployment: DeploymentOptions) {
    this.#context = context;
    this.#closeTimeout = positiveInteger(options, "closeTimeout");
    this.#chat = new ChatServer((socket) => new SmtpSession(socket, context), {
      maxConnections: positiveInteger(options, "maxConnections"),
      refuseMessage: REPLY.tooManyConnections,
      closeTimeout: this.#closeTimeout,
      ...deployment,
    });
  }

  /** Validates the options and prepares the Maildir; call {@link listen} next. `deployment`: the PROXY protocol behind a balancer. */
  static async create(options: SmtpServerOptions, deployment: DeploymentOptions = {}): Promise<SmtpServer> {
    return new SmtpServer(await createContext(options), options, deployment);
  }

  /** Stops accepting connections; the sessions carry on until {@link close} (a rolling restart's first step). */
  stopListening(): void {
    this.#chat.stopListening();
  }

  /** The bound address, or null before {@link listen} resolves. */
  get address(): AddressInfo | null {
    return this.#chat.address;
  }

  /** The Maildir folder messages are delivered to (an absolute path). */
  get maildir(): string {
    return this.#context.maildir.root;
  }

  /** The live sessions. */
  get sessions(): ReadonlySet<SmtpSession> {
    return this.#chat.channels;
  }

  /** The underlying `ChatServer`, for its events (`connection`, `channelError`, `refused`). */
  get chat(): ChatServer<SmtpSession> {
    return this.#chat;
  }

  /** Starts accepting connections; resolves with the bound address. */
  listen(port = 0, host = "127.0.0.1"): Promise<AddressInfo> {
    return this.#chat.listen(port, host);
  }

  /**
   * Shuts down gracefully: new connections are told 421; each session
   * finishes the message it is receiving (if any), says 421 and closes;
   * sessions still open after `closeTimeout` are closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#context.closing = true;
    const sessions = [...this.#chat.channels];
    for (const session of sessions) session.shutDown();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(sessions.map((session) => (session.closed ? undefined : new Promise<void>((done) => session.once("close", () => done()))))),
      new Promise<void>((done) => {
        timer = setTimeout(done, this.#closeTimeout);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    await this.#chat.close();
  }
}

/** Creates an SMTP server and starts it on `host:port` (port 0: any free port). */
export async function startSmtpServer(options: SmtpServerOptions, port = 0, host = "127.0.0.1", deployment: DeploymentOptions = {}): Promise<SmtpServer> {
  const server = await SmtpServer.create(options, deployment);
  await server.listen(port, host);
  return server;
}
