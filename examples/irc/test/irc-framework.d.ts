// The parts of irc-framework (which ships no typings) that the tests use.
declare module "irc-framework" {
  import EventEmitter from "eventemitter3";

  export interface ConnectOptions {
    host: string;
    port: number;
    nick: string;
    username?: string;
    gecos?: string;
    password?: string;
    auto_reconnect?: boolean;
    ping_interval?: number;
    ping_timeout?: number;
    /** The local address to connect from. */
    outgoing_addr?: string;
  }

  export interface MessageEvent {
    type: "privmsg" | "notice" | "action";
    nick: string;
    ident: string;
    hostname: string;
    target: string;
    message: string;
  }

  export interface JoinEvent {
    nick: string;
    channel: string;
  }

  export interface NickEvent {
    nick: string;
    new_nick: string;
  }

  export interface QuitEvent {
    nick: string;
    message: string;
  }

  export interface RegisteredEvent {
    nick: string;
  }

  export class Client extends EventEmitter {
    constructor(options?: Partial<ConnectOptions>);
    user: { nick: string };
    /** Whether the connection is up. */
    connected: boolean;
    connect(options: ConnectOptions): void;
    join(channel: string, key?: string): void;
    say(target: string, message: string): void;
    notice(target: string, message: string): void;
    changeNick(nick: string): void;
    quit(message?: string): void;
    raw(...args: string[]): void;
    mode(channel: string, mode: string, ...args: string[]): void;
    invite(channel: string, nick: string): void;
    ban(channel: string, mask: string): void;
    unban(channel: string, mask: string): void;
    banlist(channel: string, callback: (event: any) => void): void;
    setTopic(channel: string, topic: string): void;
    whois(nick: string, callback: (event: any) => void): void;
    who(target: string, callback: (event: any) => void): void;
    on(event: "registered", listener: (event: RegisteredEvent) => void): this;
    on(event: "message", listener: (event: MessageEvent) => void): this;
    on(event: "join", listener: (event: JoinEvent) => void): this;
    on(event: "nick", listener: (event: NickEvent) => void): this;
    on(event: "quit", listener: (event: QuitEvent) => void): this;
    on(event: "close" | "socket close", listener: () => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }
}
