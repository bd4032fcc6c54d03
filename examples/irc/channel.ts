/**
 * A channel: its members and their status (operator, voice), its topic, its
 * modes (`+n`, `+t`, `+i`, `+m`, `+k key`, `+l limit`), bans and invitations.
 */

import type { Client } from "./client";
import { foldName, matchesMask } from "./casemap";

/** Longest topic kept (advertised as `TOPICLEN`); longer ones are cut. */
export const TOPIC_LENGTH = 390;

/** Longest channel key (advertised as `KEYLEN`). */
export const KEY_LENGTH = 23;

/** Most ban masks on one channel (advertised as `MAXLIST=b:100`; 478 beyond). */
export const MAX_BANS = 100;

/** Most pending invitations one channel keeps; the oldest is forgotten first. */
export const MAX_INVITES = 100;

/** A member's status on a channel. */
export interface Membership {
  /** Channel operator (`@`). */
  op: boolean;
  /** Voice (`+`): may speak on a moderated channel. */
  voice: boolean;
}

/** One entry of a channel's ban list (367). */
export interface Ban {
  /** `nick!user@host` with `*` and `?` wildcards. */
  readonly mask: string;
  /** The full mask of who set it. */
  readonly setBy: string;
  /** When, in seconds since the epoch. */
  readonly setAt: number;
}

/** A channel's state. Channels exist while they have members. */
export class Channel {
  /** The name as it was first joined. */
  readonly name: string;
  /** The case-folded name, its key in the network. */
  readonly key: string;
  /** When it was created, in seconds since the epoch (329); on a network, the earliest any node saw. */
  createdAt = Math.floor(Date.now() / 1000);
  /** The topic, empty for none. */
  topic = "";
  /** Who set the topic (`nick!user@host`), and when, in seconds since the epoch (333). */
  topicSetBy = "";
  topicSetAt = 0;
  /** `+t`: only operators change the topic. New channels have it. */
  topicLocked = true;
  /** `+n`: no messages from outside the channel. New channels have it. */
  noExternalMessages = true;
  /** `+i`: only invited clients may join. */
  inviteOnly = false;
  /** `+m`: only operators and voiced members may speak. */
  moderated = false;
  /** `+k`: the key JOIN must give, or null. */
  password: string | null = null;
  /** `+l`: the most members, or null. */
  userLimit: number | null = null;
  /** `+b`: ban masks, oldest first. */
  readonly bans: Ban[] = [];
  /** Case-folded nicknames invited (INVITE) and not yet joined, oldest first. */
  readonly #invited = new Set<string>();
  /** The members, each with its status. */
  readonly members = new Map<Client, Membership>();

  /** @param name its name, already validated */
  constructor(name: string) {
    this.name = name;
    this.key = foldName(name);
  }

  /** Whether `client` is on the channel. */
  has(client: Client): boolean {
    return this.members.has(client);
  }

  /** Whether `client` is an operator of the channel. */
  isOperator(client: Client): boolean {
    return this.members.get(client)?.op === true;
  }

  /** Whether `client` has voice on the channel. */
  hasVoice(client: Client): boolean {
    return this.members.get(client)?.voice === true;
  }

  /** Sets or clears a member's operator status or voice; returns whether it changed. */
  setStatus(client: Client, status: keyof Membership, on: boolean): boolean {
    const member = this.members.get(client);
    if (member === undefined || member[status] === on) return false;
    member[status] = on;
    return true;
  }

  /** Whether `client` matches a ban mask. */
  isBanned(client: Client): boolean {
    const mask = client.prefix;
    return this.bans.some((ban) => matchesMask(ban.mask, mask));
  }

  /**
   * Whether `client` may speak here: a member, or anyone on a `-n` channel;
   * not while banned or on a `+m` channel, unless an operator or voiced.
   */
  maySpeak(client: Client): boolean {
    const member = this.members.get(client);
    if (member?.op === true || member?.voice === true) return true;
    if (member === undefined && this.noExternalMessages) return false;
    return !this.moderated && !this.isBanned(client);
  }

  /** Adds a ban; false if the same mask is listed already (in any case). */
  addBan(mask: string, setBy: string): boolean {
    const folded = foldName(mask);
    if (this.bans.some((ban) => foldName(ban.mask) === folded)) return false;
    this.bans.push({ mask, setBy, setAt: Math.floor(Date.now() / 1000) });
    return true;
  }

  /** Removes a ban (any case); returns the mask as it was listed, or null if it was not. */
  removeBan(mask: string): string | null {
    const folded = foldName(mask);
    const index = this.bans.findIndex((ban) => foldName(ban.mask) === folded);
    if (index < 0) return null;
    return this.bans.splice(index, 1)[0]!.mask;
  }

  /** Remembers an invitation for `nick` (forgetting the oldest past {@link MAX_INVITES}). */
  invite(nick: string): void {
    const folded = foldName(nick);
    this.#invited.delete(folded);
    this.#invited.add(folded);
    if (this.#invited.size > MAX_INVITES) this.#invited.delete(this.#invited.values().next().value!);
  }

  /** Whether `nick` holds an invitation. */
  isInvited(nick: string): boolean {
    return this.#invited.has(foldName(nick));
  }

  /** Uses up `nick`'s invitation, if any (it has joined). */
  forgetInvite(nick: string): void {
    this.#invited.delete(foldName(nick));
  }

  /**
   * The mode string and its arguments (324), e.g. `["+klnt", "secret", "10"]`.
   * The key is shown only to members.
   */
  modeWords(viewer: Client): string[] {
    let letters = "+";
    const args: string[] = [];
    if (this.inviteOnly) letters += "i";
    if (this.password !== null) {
      letters += "k";
      args.push(this.has(viewer) ? this.password : "*");
    }
    if (this.userLimit !== null) {
      letters += "l";
      args.push(String(this.userLimit));
    }
    if (this.moderated) letters += "m";
    if (this.noExternalMessages) letters += "n";
    if (this.topicLocked) letters += "t";
    return [letters, ...args];
  }

  /** The prefix a member's name carries: `@` for an operator, `+` for voice, nothing otherwise. */
  prefixOf(client: Client): string {
    const member = this.members.get(client);
    return member?.op ? "@" : member?.voice ? "+" : "";
  }

  /** Member nicknames, with their prefixes (353). */
  names(): string[] {
    const names: string[] = [];
    for (const client of this.members.keys()) names.push(this.prefixOf(client) + client.name);
    return names;
  }

  /**
   * Sends a line to every member except `except`. The line is encoded once
   * and the same bytes are pushed to each member's connection.
   */
  broadcast(line: string, except: Client | null = null): void {
    const bytes = Buffer.from(line, "utf8");
    for (const member of this.members.keys()) if (member !== except) member.send(bytes);
  }
}
