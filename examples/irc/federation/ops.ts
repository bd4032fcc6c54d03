/**
 * What the nodes of a network tell each other on the Redis bus: one
 * message per node per tick, `{ from, ops }`, the ops in the order they
 * happened. Users of other nodes are mirrored on every node, so NAMES, WHO
 * and WHOIS answer locally; lines for them are forwarded ready-made.
 */

import type { Channel } from "../channel";
import type { Client } from "../client";

/** A user as other nodes mirror it. */
export interface UserState {
  id: string;
  node: string;
  server: string;
  nick: string;
  username: string;
  host: string;
  realname: string;
  away: string | null;
  invisible: boolean;
}

/** A channel's properties as other nodes mirror them (membership travels as join/part ops). */
export interface ChannelState {
  name: string;
  createdAt: number;
  topic: string;
  topicSetBy: string;
  topicSetAt: number;
  topicLocked: boolean;
  noExternalMessages: boolean;
  inviteOnly: boolean;
  moderated: boolean;
  password: string | null;
  userLimit: number | null;
  bans: Array<{ mask: string; setBy: string; setAt: number }>;
}

/** One membership: channel name, user id, `o` and/or `v`. */
export type MemberState = [channel: string, id: string, status: string];

/** The ops of the bus. */
export type Op =
  /** Deliver `line` to these clients (all of one node or of several). */
  | { t: "d"; c: string[]; l: string }
  /** A user registered or changed (nick, away, modes). */
  | { t: "u"; u: UserState }
  /** A user quit. */
  | { t: "q"; id: string; r: string }
  /** A user joined a channel, with its status. */
  | { t: "j"; ch: string; id: string; s: string }
  /** A user left a channel (PART, KICK). */
  | { t: "p"; ch: string; id: string }
  /** A member's status changed. */
  | { t: "m"; ch: string; id: string; s: string }
  /** A channel's properties changed. */
  | { t: "c"; c: ChannelState }
  /** A nickname was invited to a channel. */
  | { t: "i"; ch: string; nick: string }
  /** A node is gone (its presence expired): its users quit with `*.net *.split`. Published once, by the node that won the split key. */
  | { t: "s"; node: string }
  /** Please send your state (a node that starts or reconnects). */
  | { t: "R" }
  /** A node's whole state: its users, their channels, those channels' properties. Receivers reconcile their mirror of that node with it. */
  | { t: "r"; users: UserState[]; members: MemberState[]; chans: ChannelState[] };

/** A bus message. */
export interface BusMessage {
  from: string;
  ops: Op[];
}

/** `o`, `v`, `ov` or `` for a member's status. */
export function statusOf(channel: Channel, client: Client): string {
  return (channel.isOperator(client) ? "o" : "") + (channel.hasVoice(client) ? "v" : "");
}

/** A local user's state for the bus. */
export function userState(client: Client, node: string, id: string): UserState {
  return {
    id,
    node,
    server: client.server,
    nick: client.name,
    username: client.username ?? "*",
    host: client.host,
    realname: client.realname,
    away: client.away,
    invisible: client.invisible,
  };
}

/** A channel's properties for the bus. */
export function channelState(channel: Channel): ChannelState {
  return {
    name: channel.name,
    createdAt: channel.createdAt,
    topic: channel.topic,
    topicSetBy: channel.topicSetBy,
    topicSetAt: channel.topicSetAt,
    topicLocked: channel.topicLocked,
    noExternalMessages: channel.noExternalMessages,
    inviteOnly: channel.inviteOnly,
    moderated: channel.moderated,
    password: channel.password,
    userLimit: channel.userLimit,
    bans: channel.bans.map((ban) => ({ ...ban })),
  };
}

/** Applies mirrored properties to a channel. */
export function applyChannelState(channel: Channel, state: ChannelState): void {
  // A node that mirrored the channel later made it "now": the earliest time wins, the same on every node.
  channel.createdAt = Math.min(channel.createdAt, state.createdAt);
  channel.topic = state.topic;
  channel.topicSetBy = state.topicSetBy;
  channel.topicSetAt = state.topicSetAt;
  channel.topicLocked = state.topicLocked;
  channel.noExternalMessages = state.noExternalMessages;
  channel.inviteOnly = state.inviteOnly;
  channel.moderated = state.moderated;
  channel.password = state.password;
  channel.userLimit = state.userLimit;
  channel.bans.splice(0, channel.bans.length, ...state.bans);
}
