/**
 * The network: every client, the nickname table and the channels, with the
 * bookkeeping that keeps them consistent (renames, joins, parts, quits).
 */

import { foldName } from "./casemap";
import { Channel } from "./channel";
import type { Client } from "./client";
import { formatMessage } from "./message";
import type { IrcSettings } from "./settings";

/**
 * What a network of several servers needs to hear about: every change made
 * here, by a local client's command, to state other servers mirror. Calls
 * are made after the change. (The Redis link of `federation/` is one.)
 */
export interface NetworkObserver {
  /** A client completed registration, or changed its nickname, away message or user modes. */
  userChanged(client: Client): void;
  /** A client left the network. */
  quit(client: Client, reason: string): void;
  /** A client joined a channel (`created`: it made the channel). */
  joined(client: Client, channel: Channel, created: boolean): void;
  /** A client left a channel (PART, KICK, JOIN 0). */
  left(client: Client, channel: Channel): void;
  /** A member's operator status or voice changed. */
  memberChanged(channel: Channel, client: Client): void;
  /** A channel's topic, modes or bans changed. */
  channelChanged(channel: Channel): void;
  /** A nickname was invited to a channel. */
  invited(channel: Channel, nick: string): void;
  /**
   * Claims `nick` for `client` network-wide before it is given; resolves
   * false if another server holds it (433).
   */
  claimNick(client: Client, nick: string): Promise<boolean>;
  /** How many other servers of the network are known to be up (LUSERS). */
  otherServers(): number;
}

/** The shared state of one server. */
export class Network {
  /** The server's settings. */
  readonly settings: IrcSettings;
  /** When the server started (003). */
  readonly createdAt = new Date();
  /** Every connected client, registered or not. */
  readonly clients = new Set<Client>();
  /** The most registered clients of this server there have been at once (265). */
  peakUsers = 0;
  /** The most registered users of the whole network there have been at once (266; the same as {@link peakUsers} for a lone server). */
  peakGlobalUsers = 0;
  #users = 0;
  #globalUsers = 0;
  readonly #nicks = new Map<string, Client>();
  readonly #channels = new Map<string, Channel>();

  /** The local client whose command is being carried out, or null (the network tells it when its words cannot reach other servers). */
  actor: Client | null = null;
  /** Told of every change to mirrored state while it is set (a server of a network); null for a lone server. */
  observer: NetworkObserver | null = null;
  /**
   * While `muted`, nothing is sent to this server's clients: a server of a
   * network replaying another server's change (a QUIT, say) must not show
   * it again, the lines of that change come forwarded from where it was made.
   */
  readonly gate = { muted: false };

  /**
   * A client's `onSendQueueExceeded`: drops it ("Max SendQ exceeded"). One
   * function for the whole network rather than a closure per client.
   */
  readonly dropOverflowing = (client: Client): void => this.quit(client, "Max SendQ exceeded", false);

  /** @param settings the resolved settings */
  constructor(settings: IrcSettings) {
    this.settings = settings;
  }

  /** The client using a nickname (any case), if any. */
  findClient(nick: string): Client | undefined {
    return this.#nicks.get(foldName(nick));
  }

  /** The channel of that name (any case), if it exists. */
  findChannel(name: string): Channel | undefined {
    return this.#channels.get(foldName(name));
  }

  /** Every channel. */
  channels(): IterableIterator<Channel> {
    return this.#channels.values();
  }

  /** Counts a client that has just registered towards {@link peakUsers}. */
  registered(client: Client): void {
    this.#users++;
    if (this.#users > this.peakUsers) this.peakUsers = this.#users;
    this.#countGlobal(1);
    this.observer?.userChanged(client);
  }

  /** Adds a newly connected client, or a user of another server (registered already). */
  add(client: Client): void {
    this.clients.add(client);
    if (client.registered) this.#countGlobal(1);
  }

  /** How many servers the network has, this one included (1 for a lone server). */
  servers(): number {
    return 1 + (this.observer?.otherServers() ?? 0);
  }

  #countGlobal(change: number): void {
    this.#globalUsers += change;
    if (this.#globalUsers > this.peakGlobalUsers) this.peakGlobalUsers = this.#globalUsers;
  }

  /**
   * Gives `client` the nickname `nick` (checked by the caller: valid and
   * free, or only its case changes), releasing its old one.
   */
  rename(client: Client, nick: string): void {
    if (client.nick !== null && this.#nicks.get(foldName(client.nick)) === client) this.#nicks.delete(foldName(client.nick));
    client.nick = nick;
    this.#nicks.set(foldName(nick), client);
    if (client.registered) this.observer?.userChanged(client);
  }

  /** Puts `client` on the channel `name`, creating it (with `client` as operator) if needed. */
  join(client: Client, name: string): Channel {
    let channel = this.findChannel(name);
    const created = channel === undefined;
    if (channel === undefined) {
      channel = new Channel(name);
      this.#channels.set(channel.key, channel);
    }
    channel.members.set(client, { op: created, voice: false });
    channel.forgetInvite(client.name);
    client.entered(channel);
    this.observer?.joined(client, channel, created);
    return channel;
  }

  /** Takes `client` off `channel`; an empty channel ceases to exist. */
  leave(client: Client, channel: Channel): void {
    channel.members.delete(client);
    client.left(channel);
    if (channel.members.size === 0) this.#channels.delete(channel.key);
    this.observer?.left(client, channel);
  }

  /** Puts a channel made elsewhere (a mirrored one) in the table, if none of that name exists; returns the one in the table. */
  adopt(channel: Channel): Channel {
    const existing = this.#channels.get(channel.key);
    if (existing !== undefined) return existing;
    this.#channels.set(channel.key, channel);
    return channel;
  }

  /** Everyone who shares a channel with `client`, once each, not `client` itself. */
  peersOf(client: Client): Set<Client> {
    const peers = new Set<Client>();
    for (const channel of client.channels) for (const member of channel.members.keys()) peers.add(member);
    peers.delete(client);
    return peers;
  }

  /** Sends one line to `client`'s peers (and to `client` itself when `andSelf`), encoded once. */
  sendToPeers(client: Client, line: string, andSelf: boolean): void {
    const bytes = Buffer.from(line, "utf8");
    for (const peer of this.peersOf(client)) peer.send(bytes);
    if (andSelf) client.send(bytes);
  }

  /**
   * Removes `client` from the network: its peers see `QUIT :reason`, it
   * leaves its channels and its nickname is free again; it is told
   * `ERROR :Closing Link` and its connection closed (after its queued output
   * when `flush`). Idempotent: a client quits once.
   */
  quit(client: Client, reason: string, flush = true): void {
    if (client.gone) return;
    if (client.registered) {
      this.sendToPeers(client, formatMessage(client.prefix, "QUIT", [], reason), false);
      if (client.node === null) this.#users--;
      this.#countGlobal(-1);
    }
    client.gone = true;
    // The observer hears of the quit, not of each channel left on the way.
    const observer = this.observer;
    this.observer = null;
    try {
      for (const channel of [...client.channels]) this.leave(client, channel);
    } finally {
      this.observer = observer;
    }
    if (client.nick !== null && this.#nicks.get(foldName(client.nick)) === client) this.#nicks.delete(foldName(client.nick));
    this.clients.delete(client);
    if (client.registered) observer?.quit(client, reason);
    client.disconnect(reason, flush);
  }

  /** Disconnects every client with `reason` (server shutdown). */
  quitAll(reason: string): void {
    for (const client of [...this.clients]) this.quit(client, reason);
  }
}
