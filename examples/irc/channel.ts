/**
 * A channel: its members and their operator status, its topic and modes.
 */

import type { Client } from "./client";
import { foldName } from "./casemap";

/** Longest topic kept (advertised as `TOPICLEN`); longer ones are cut. */
export const TOPIC_LENGTH = 390;

/** A channel's state. Channels exist while they have members. */
export class Channel {
  /** The name as it was first joined. */
  readonly name: string;
  /** The case-folded name, its key in the network. */
  readonly key: string;
  /** When it was created, in seconds since the epoch (329). */
  readonly createdAt = Math.floor(Date.now() / 1000);
  /** The topic, empty for none. */
  topic = "";
  /** Who set the topic (`nick`), and when, in seconds since the epoch (333). */
  topicSetBy = "";
  topicSetAt = 0;
  /** `+t`: only operators change the topic. New channels have it. */
  topicLocked = true;
  /** `+n`: no messages from outside the channel. New channels have it. */
  noExternalMessages = true;
  /** The members, each with whether it is an operator. */
  readonly members = new Map<Client, { op: boolean }>();

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

  /** Sets or clears a member's operator status; returns whether it changed. */
  setOperator(client: Client, op: boolean): boolean {
    const member = this.members.get(client);
    if (member === undefined || member.op === op) return false;
    member.op = op;
    return true;
  }

  /** The mode string, e.g. `+nt` (324). */
  get modes(): string {
    return `+${this.noExternalMessages ? "n" : ""}${this.topicLocked ? "t" : ""}`;
  }

  /** Member nicknames, operators prefixed `@` (353). */
  names(): string[] {
    const names: string[] = [];
    for (const [client, { op }] of this.members) names.push(op ? `@${client.name}` : client.name);
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
