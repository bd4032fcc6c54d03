/**
 * One node of an IRC network whose nodes share state through Redis.
 *
 * Every node mirrors the whole network (users of other nodes are "ghost"
 * clients in its `Network`), so registration checks, NAMES, WHO and WHOIS
 * are answered locally. What a local client changes is published on the
 * network's bus; a line for a ghost is forwarded, ready-made, to the node
 * its user is on. Redis holds what must be decided once for the network:
 * who owns a nickname (`SET NX` with an expiry this node refreshes), which
 * nodes are alive (a presence key with an expiry), and who announces the
 * split of a dead node (`SET NX` again). See the README for the keys, a
 * message's path and what happens during a partition.
 */

import { Redis } from "ioredis";
import type { Channel } from "../channel";
import { Client, type Transport } from "../client";
import { foldName } from "../casemap";
import { formatMessage } from "../message";
import type { Network, NetworkObserver } from "../network";
import { type BusMessage, type ChannelState, type MemberState, type Op, type UserState, applyChannelState, channelState, statusOf, userState } from "./ops";

/** How a node joins its network. */
export interface LinkOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** This node's id, unique in the network (default: the server name and a random suffix). */
  nodeId?: string;
  /** Milliseconds after which a node that stopped refreshing its presence is taken for dead. */
  presenceTimeout: number;
}

/** The reason other nodes' users quit with when their node is gone, as servers show a netsplit. */
export const SPLIT_REASON = "*.net *.split";

/** Releases a key only if it still holds our value (a nickname we own). */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** A ghost's connection: what is sent to it goes to its node over the bus. */
class GhostTransport implements Transport {
  readonly queuedOutput = 0;
  readonly closing = false;
  ghost: Client | null = null;

  constructor(private readonly link: RedisLink) {}

  push(data: string | Uint8Array): void {
    if (this.ghost !== null) this.link.forward(this.ghost, data);
  }

  hangUp(): void {}

  close(): void {}
}

/** The link of one node to the network's Redis. */
export class RedisLink implements NetworkObserver {
  /** This node's id. */
  readonly nodeId: string;
  readonly #network: Network;
  readonly #options: LinkOptions;
  readonly #prefix: string;
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #ghosts = new Map<string, Client>();
  readonly #locals = new Map<string, Client>();
  /** Other nodes, with when they were last heard from on the bus. */
  readonly #nodes = new Map<string, number>();
  #outbox: Op[] = [];
  #flushScheduled = false;
  /** Replaying: forwarding is off (every node delivers to its own clients). */
  #replaying = false;
  /** Local clients told during this tick that their words could not leave this node. */
  readonly #warned = new Set<Client>();
  #timer: NodeJS.Timeout | null = null;
  /** No split is declared before this time (just started or reconnected: others have not re-asserted yet). */
  #quietUntil = 0;
  #stopped = false;

  /**
   * @param network this node's state; the link becomes its observer
   * @param options the Redis URL, the node id and the presence timeout
   */
  constructor(network: Network, options: LinkOptions) {
    this.#network = network;
    this.#options = options;
    const { serverName, networkName } = network.settings;
    this.nodeId = options.nodeId ?? `${serverName}~${Math.random().toString(36).slice(2, 8)}`;
    this.#prefix = `irc:${networkName}:`;
    // No offline queue: a command while Redis is away fails at once instead of piling up.
    const redisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(100 * times, 1000), lazyConnect: true };
    this.#cmd = new Redis(options.url, redisOptions);
    this.#sub = new Redis(options.url, { ...redisOptions, autoResubscribe: true });
    for (const connection of [this.#cmd, this.#sub]) {
      connection.on("error", () => undefined); // reconnects on its own; the state is re-asserted on "ready"
      connection.on("ready", () => this.#onReady());
    }
    this.#sub.on("messageBuffer", (_channel: Buffer, message: Buffer) => this.#receive(message));
  }

  /** The bus channel. */
  get #bus(): string {
    return `${this.#prefix}bus`;
  }

  /** Whether both connections to Redis are up. */
  get up(): boolean {
    return this.#cmd.status === "ready" && this.#sub.status === "ready";
  }

  /** Connects, subscribes, asks the other nodes for their state and starts the presence timer. */
  async start(): Promise<void> {
    this.#network.observer = this;
    await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
    await this.#sub.subscribe(this.#bus);
    await this.#assert();
    // Give the other nodes a moment to answer with their state before clients arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const tick = Math.max(50, Math.floor(this.#options.presenceTimeout / 3));
    this.#timer = setInterval(() => void this.#tickPresence(), tick);
    this.#timer.unref();
  }

  /** Flushes what is pending, withdraws this node's presence and disconnects. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#flush();
    try {
      if (this.#cmd.status === "ready") await this.#cmd.del(`${this.#prefix}node:${this.nodeId}`);
    } catch {
      // Redis is away: the presence key expires on its own.
    }
    this.#cmd.disconnect();
    this.#sub.disconnect();
  }

  // ------------------------------------------------------------ observer: local changes out

  userChanged(client: Client): void {
    if (client.node !== null) return;
    this.#locals.set(this.#id(client), client);
    this.#queue({ t: "u", u: userState(client, this.nodeId, this.#id(client)) });
  }

  quit(client: Client, reason: string): void {
    if (client.node !== null) return;
    this.#locals.delete(this.#id(client));
    this.#queue({ t: "q", id: this.#id(client), r: reason });
    if (client.nick !== null) this.#release(client.nick, client);
  }

  joined(client: Client, channel: Channel, created: boolean): void {
    this.#queue({ t: "j", ch: channel.name, id: this.#id(client), s: statusOf(channel, client) });
    if (created) this.#queue({ t: "c", c: channelState(channel) });
  }

  left(client: Client, channel: Channel): void {
    this.#queue({ t: "p", ch: channel.name, id: this.#id(client) });
  }

  memberChanged(channel: Channel, client: Client): void {
    this.#queue({ t: "m", ch: channel.name, id: this.#id(client), s: statusOf(channel, client) });
  }

  channelChanged(channel: Channel): void {
    this.#queue({ t: "c", c: channelState(channel) });
  }

  invited(channel: Channel, nick: string): void {
    this.#queue({ t: "i", ch: channel.name, nick });
  }

  /** `SET nick NX PX`: true if this node now owns it (or Redis is away: the mirror alone decides, and the claim is made on reconnect). */
  async claimNick(client: Client, nick: string): Promise<boolean> {
    if (!this.up) return true;
    const key = this.#nickKey(nick);
    const value = this.#owner(client);
    try {
      const set = await this.#cmd.set(key, value, "PX", this.#options.presenceTimeout, "NX");
      const owned = set === "OK" || (await this.#cmd.get(key)) === value;
      if (owned && client.nick !== null && foldName(client.nick) !== foldName(nick)) this.#release(client.nick, client);
      return owned;
    } catch {
      return true;
    }
  }

  /** The other nodes known to be up: heard from on the bus, or holding users mirrored here. */
  otherServers(): number {
    const nodes = new Set<string>(this.#nodes.keys());
    for (const ghost of this.#ghosts.values()) nodes.add(ghost.node!);
    nodes.delete(this.nodeId);
    return nodes.size;
  }

  // ------------------------------------------------------------ forwarding

  /** Queues a line for a ghost: it goes to its node, which delivers it. Lines pushed as the same bytes to many ghosts travel once. */
  forward(ghost: Client, data: string | Uint8Array): void {
    if (this.#replaying) return;
    if (!this.up) {
      this.#warnActor();
      return;
    }
    const last = this.#outbox[this.#outbox.length - 1];
    const line = typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
    if (last?.t === "d" && last.l === line) last.c.push(ghost.id);
    else this.#queue({ t: "d", c: [ghost.id], l: line });
  }

  /** Tells the client whose command is running, once per tick, that its words did not reach other servers. */
  #warnActor(): void {
    const actor = this.#network.actor;
    if (actor === null || this.#warned.has(actor)) return;
    this.#warned.add(actor);
    queueMicrotask(() => this.#warned.delete(actor));
    const text = "*** Not delivered to users on other servers: this server has lost its link to the network";
    actor.send(formatMessage(this.#network.settings.serverName, "NOTICE", [actor.name], text));
  }

  #queue(op: Op): void {
    if (this.#replaying || this.#stopped) return;
    this.#outbox.push(op);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const ops = this.#outbox;
    this.#outbox = [];
    if (ops.length === 0 || !this.up) return;
    const message: BusMessage = { from: this.nodeId, ops };
    try {
      await this.#cmd.publish(this.#bus, JSON.stringify(message));
    } catch {
      // Lost with the link; the state is re-asserted when it comes back.
    }
  }

  // ------------------------------------------------------------ the bus in

  #receive(raw: Buffer): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw.toString("utf8")) as BusMessage;
    } catch {
      return;
    }
    if (message.from === this.nodeId || this.#stopped) return;
    this.#nodes.set(message.from, performance.now());
    for (const op of message.ops) this.#apply(message.from, op);
  }

  #apply(from: string, op: Op): void {
    switch (op.t) {
      case "d":
        for (const id of op.c) this.#locals.get(id)?.send(op.l);
        return;
      case "R":
        this.#queue(this.#stateOp());
        return;
      case "s":
        this.#split(op.node);
        return;
      default:
        this.#replay(() => this.#applyState(from, op));
    }
  }

  /** Runs `change` with the observer off, forwarding off and local output muted: the lines come forwarded. */
  #replay(change: () => void, muted = true): void {
    const network = this.#network;
    network.observer = null;
    this.#replaying = true;
    network.gate.muted = muted;
    try {
      change();
    } finally {
      network.gate.muted = false;
      this.#replaying = false;
      network.observer = this;
    }
  }

  #applyState(from: string, op: Op): void {
    const network = this.#network;
    switch (op.t) {
      case "u":
        this.#upsertGhost(op.u);
        return;
      case "q": {
        const ghost = this.#ghosts.get(op.id);
        if (ghost === undefined) return;
        this.#ghosts.delete(op.id);
        network.quit(ghost, op.r, false);
        return;
      }
      case "j": {
        const ghost = this.#ghosts.get(op.id);
        if (ghost === undefined) return;
        const channel = network.findChannel(op.ch);
        if (channel?.has(ghost)) return;
        const joined = network.join(ghost, op.ch);
        joined.setStatus(ghost, "op", op.s.includes("o"));
        joined.setStatus(ghost, "voice", op.s.includes("v"));
        return;
      }
      case "p": {
        const user = this.#ghosts.get(op.id) ?? this.#locals.get(op.id);
        const channel = network.findChannel(op.ch);
        if (user !== undefined && channel?.has(user)) network.leave(user, channel);
        return;
      }
      case "m": {
        const user = this.#ghosts.get(op.id) ?? this.#locals.get(op.id);
        const channel = network.findChannel(op.ch);
        if (user === undefined || channel === undefined) return;
        channel.setStatus(user, "op", op.s.includes("o"));
        channel.setStatus(user, "voice", op.s.includes("v"));
        return;
      }
      case "c": {
        const channel = network.findChannel(op.c.name);
        if (channel !== undefined) applyChannelState(channel, op.c);
        return;
      }
      case "i":
        network.findChannel(op.ch)?.invite(op.nick);
        return;
      case "r":
        this.#reconcile(from, op.users, op.members, op.chans);
        return;
      default:
    }
  }

  #upsertGhost(state: UserState): Client {
    let ghost = this.#ghosts.get(state.id);
    if (ghost === undefined) {
      const transport = new GhostTransport(this);
      ghost = new Client(transport, {
        host: state.host,
        serverName: state.server,
        maxSendQueue: Number.MAX_SAFE_INTEGER,
        closeTimeout: 1000,
        onSendQueueExceeded: () => undefined,
        id: state.id,
        node: state.node,
      });
      transport.ghost = ghost;
      ghost.registered = true;
      this.#ghosts.set(state.id, ghost);
      this.#network.add(ghost);
    }
    ghost.username = state.username;
    ghost.realname = state.realname;
    ghost.away = state.away;
    ghost.invisible = state.invisible;
    if (ghost.nick !== state.nick) this.#network.rename(ghost, state.nick);
    return ghost;
  }

  /**
   * Makes the mirror of node `from` what it says it is: users it no longer
   * has quit (their peers here see `*.net *.split`), channels they left are
   * parted, new users and memberships appear (peers see the JOIN), channel
   * properties are taken.
   */
  #reconcile(from: string, users: UserState[], members: MemberState[], chans: ChannelState[]): void {
    const network = this.#network;
    const listed = new Set(users.map((u) => u.id));
    this.#replay(() => {
      for (const [id, ghost] of [...this.#ghosts]) {
        if (ghost.node !== from || listed.has(id)) continue;
        this.#ghosts.delete(id);
        network.quit(ghost, SPLIT_REASON, false);
      }
    }, false);
    this.#replay(() => {
      for (const state of users) this.#upsertGhost(state);
    });
    const wanted = new Map<string, Map<string, string>>();
    for (const [channel, id, status] of members) {
      const key = foldName(channel);
      if (!wanted.has(key)) wanted.set(key, new Map());
      wanted.get(key)!.set(id, status);
    }
    this.#replay(() => {
      for (const state of users) {
        const ghost = this.#ghosts.get(state.id)!;
        for (const channel of [...ghost.channels]) {
          if (wanted.get(channel.key)?.has(ghost.id) !== true) {
            channel.broadcast(formatMessage(ghost.prefix, "PART", [channel.name], SPLIT_REASON), ghost);
            network.leave(ghost, channel);
          }
        }
      }
      for (const [channel, id, status] of members) {
        const ghost = this.#ghosts.get(id);
        if (ghost === undefined) continue;
        if (network.findChannel(channel)?.has(ghost) !== true) {
          const joined = network.join(ghost, channel);
          joined.broadcast(formatMessage(ghost.prefix, "JOIN", [joined.name]), ghost);
        }
        const joined = network.findChannel(channel)!;
        joined.setStatus(ghost, "op", status.includes("o"));
        joined.setStatus(ghost, "voice", status.includes("v"));
      }
      for (const state of chans) {
        const channel = network.findChannel(state.name);
        if (channel !== undefined) applyChannelState(channel, state);
      }
    }, false);
  }

  /** This node's state for others: its users, their memberships, the properties of the channels they are on. */
  #stateOp(): Op {
    const users: UserState[] = [];
    const members: MemberState[] = [];
    const chans = new Map<string, ChannelState>();
    for (const client of this.#locals.values()) {
      if (!client.registered || client.gone) continue;
      users.push(userState(client, this.nodeId, this.#id(client)));
      for (const channel of client.channels) {
        members.push([channel.name, this.#id(client), statusOf(channel, client)]);
        if (!chans.has(channel.key)) chans.set(channel.key, channelState(channel));
      }
    }
    return { t: "r", users, members, chans: [...chans.values()] };
  }

  // ------------------------------------------------------------ presence, splits, reconnects

  /** The link came (back) up: claim presence and nicknames again, tell the others our state and ask for theirs. */
  #onReady(): void {
    if (!this.up || this.#stopped) return;
    this.#quietUntil = performance.now() + this.#options.presenceTimeout;
    void this.#assert();
  }

  async #assert(): Promise<void> {
    if (!this.up) return;
    try {
      await this.#cmd.set(`${this.#prefix}node:${this.nodeId}`, this.#network.settings.serverName, "PX", this.#options.presenceTimeout);
      for (const client of [...this.#locals.values()]) {
        if (client.nick === null || client.gone) continue;
        const key = this.#nickKey(client.nick);
        const value = this.#owner(client);
        const set = await this.#cmd.set(key, value, "PX", this.#options.presenceTimeout, "NX");
        if (set !== "OK" && (await this.#cmd.get(key)) !== value) this.#network.quit(client, "Nick collision");
      }
    } catch {
      return;
    }
    this.#queue({ t: "R" });
    this.#queue(this.#stateOp());
  }

  /** Refreshes our presence and nicknames; declares the split of a node whose presence has expired. */
  async #tickPresence(): Promise<void> {
    if (!this.up || this.#stopped) return;
    const ttl = this.#options.presenceTimeout;
    try {
      const batch = this.#cmd.multi();
      batch.set(`${this.#prefix}node:${this.nodeId}`, this.#network.settings.serverName, "PX", ttl);
      for (const client of this.#locals.values()) if (client.nick !== null) batch.pexpire(this.#nickKey(client.nick), ttl);
      await batch.exec();
      if (performance.now() < this.#quietUntil) return;
      const nodes = new Set<string>(this.#nodes.keys());
      for (const ghost of this.#ghosts.values()) nodes.add(ghost.node!);
      for (const node of nodes) {
        if ((await this.#cmd.exists(`${this.#prefix}node:${node}`)) === 1) continue;
        // Gone. Exactly one node announces it and frees its nicknames: whoever sets the split key first.
        const won = await this.#cmd.set(`${this.#prefix}split:${node}`, this.nodeId, "PX", ttl * 10, "NX");
        if (won === "OK") {
          for (const ghost of this.#ghosts.values()) {
            if (ghost.node === node && ghost.nick !== null) await this.#cmd.eval(RELEASE_SCRIPT, 1, this.#nickKey(ghost.nick), this.#owner(ghost));
          }
          this.#queue({ t: "s", node });
        }
        // Every node splits its own mirror: the winner's op only makes the others do it sooner, and if it is lost
        // they still do. A split is idempotent (the node's ghosts are gone after the first), so users see it once.
        this.#split(node);
      }
    } catch {
      // Redis is away; tried again at the next tick.
    }
  }

  /** Node `node` is gone: its users quit, seen by their peers here as `*.net *.split`. */
  #split(node: string): void {
    this.#nodes.delete(node);
    this.#replay(() => {
      for (const [id, ghost] of [...this.#ghosts]) {
        if (ghost.node !== node) continue;
        this.#ghosts.delete(id);
        this.#network.quit(ghost, SPLIT_REASON, false);
      }
    }, false);
  }

  #nickKey(nick: string): string {
    return `${this.#prefix}nick:${foldName(nick)}`;
  }

  #owner(client: Client): string {
    return this.#id(client);
  }

  /** A client's id on the network: a ghost's is its node's; a local one's is prefixed with this node's. */
  #id(client: Client): string {
    return client.node === null ? `${this.nodeId}/${client.id}` : client.id;
  }

  #release(nick: string, client: Client): void {
    if (!this.up) return;
    this.#cmd.eval(RELEASE_SCRIPT, 1, this.#nickKey(nick), this.#owner(client)).catch(() => undefined);
  }
}
