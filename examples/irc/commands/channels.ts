/**
 * Channels: JOIN (with keys, and the checks of `+i`, `+b`, `+k`, `+l`),
 * PART, TOPIC, NAMES, LIST, KICK, INVITE.
 */

import { isChannelTarget, isValidChannelName } from "../casemap";
import { type Channel, TOPIC_LENGTH } from "../channel";
import type { Client } from "../client";
import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { CommandContext, CommandTable } from "./command";
import { noSuchChannel } from "./replies";

/** Splits a comma-separated list, dropping empty items. */
export function splitList(list: string): string[] {
  return list.split(",").filter((item) => item !== "");
}

/** Sends 332 and 333 for a channel with a topic, 331 for one without. */
function sendTopic(client: Client, channel: Channel): void {
  if (channel.topic === "") {
    client.reply(Numeric.RPL_NOTOPIC, channel.name, "No topic is set");
    return;
  }
  client.reply(Numeric.RPL_TOPIC, channel.name, channel.topic);
  client.replyWords(Numeric.RPL_TOPICWHOTIME, channel.name, channel.topicSetBy, String(channel.topicSetAt));
}

/** Sends a channel's member list (353 lines), without the closing 366. */
function sendNames(client: Client, channel: Channel): void {
  client.replyList(Numeric.RPL_NAMREPLY, ["=", channel.name], channel.names());
}

/** Leaves `channel` with a PART seen by every member, `client` included. */
function part(context: CommandContext, channel: Channel, reason: string | undefined): void {
  const { client, network } = context;
  channel.broadcast(formatMessage(client.prefix, "PART", [channel.name], reason));
  network.leave(client, channel);
}

/**
 * Why `client` may not join `channel` with `key`, as the numeric and its
 * text, or null when it may: `+i` without an invitation (473), a ban (474),
 * a wrong key (475), a full channel (471). An invitation lets a client past
 * `+i` only.
 */
function refusal(client: Client, channel: Channel, key: string | undefined): [code: string, text: string] | null {
  if (channel.inviteOnly && !channel.isInvited(client.name)) return [Numeric.ERR_INVITEONLYCHAN, "Cannot join channel (+i)"];
  if (channel.isBanned(client)) return [Numeric.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"];
  if (channel.password !== null && key !== channel.password) return [Numeric.ERR_BADCHANNELKEY, "Cannot join channel (+k)"];
  if (channel.userLimit !== null && channel.members.size >= channel.userLimit) return [Numeric.ERR_CHANNELISFULL, "Cannot join channel (+l)"];
  return null;
}

/** Joins one channel: JOIN seen by every member, then the topic (if any) and the names. */
function join(context: CommandContext, name: string, key: string | undefined): void {
  const { client, network } = context;
  if (!isValidChannelName(name)) {
    noSuchChannel(client, name);
    return;
  }
  const existing = network.findChannel(name);
  if (existing?.has(client)) return;
  if (client.channels.size >= network.settings.maxChannelsPerClient) {
    client.reply(Numeric.ERR_TOOMANYCHANNELS, name, "You have joined too many channels");
    return;
  }
  const refused = existing === undefined ? null : refusal(client, existing, key);
  if (refused !== null) {
    client.reply(refused[0], existing!.name, refused[1]);
    return;
  }
  const channel = network.join(client, name);
  channel.broadcast(formatMessage(client.prefix, "JOIN", [channel.name]));
  if (channel.topic !== "") sendTopic(client, channel);
  sendNames(client, channel);
  client.reply(Numeric.RPL_ENDOFNAMES, channel.name, "End of /NAMES list.");
}

/** The channel `name` if it exists and `client` is on it; otherwise replies 403 or 442 and returns null. */
function memberChannel({ client, network }: CommandContext, name: string): Channel | null {
  const channel = network.findChannel(name);
  if (channel === undefined) {
    noSuchChannel(client, name);
    return null;
  }
  if (!channel.has(client)) {
    client.reply(Numeric.ERR_NOTONCHANNEL, channel.name, "You're not on that channel");
    return null;
  }
  return channel;
}

/** JOIN, PART, TOPIC, NAMES, LIST, KICK. */
export const channelCommands: CommandTable = {
  JOIN: {
    minParams: 1,
    run(context, params) {
      if (params[0] === "0") {
        // JOIN 0: leave every channel.
        for (const channel of [...context.client.channels]) part(context, channel, "Left all channels");
        return;
      }
      // JOIN #a,#b key-of-a,key-of-b
      const keys = params[1]?.split(",") ?? [];
      splitList(params[0]!).forEach((name, index) => join(context, name, keys[index]));
    },
  },

  PART: {
    minParams: 1,
    run(context, params) {
      for (const name of splitList(params[0]!)) {
        const channel = memberChannel(context, name);
        if (channel !== null) part(context, channel, params[1]);
      }
    },
  },

  TOPIC: {
    minParams: 1,
    run(context, params) {
      const { client, network } = context;
      const name = params[0]!;
      if (params.length < 2) {
        const channel = network.findChannel(name);
        if (channel === undefined) noSuchChannel(client, name);
        else sendTopic(client, channel);
        return;
      }
      const channel = memberChannel(context, name);
      if (channel === null) return;
      if (channel.topicLocked && !channel.isOperator(client)) {
        client.reply(Numeric.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
        return;
      }
      channel.topic = params[1]!.slice(0, TOPIC_LENGTH);
      channel.topicSetBy = client.prefix;
      channel.topicSetAt = Math.floor(Date.now() / 1000);
      network.observer?.channelChanged(channel);
      channel.broadcast(formatMessage(client.prefix, "TOPIC", [channel.name], channel.topic));
    },
  },

  NAMES: {
    minParams: 0,
    run({ client, network }, params) {
      if (params[0] === undefined || params[0] === "") {
        for (const channel of network.channels()) sendNames(client, channel);
        client.reply(Numeric.RPL_ENDOFNAMES, "*", "End of /NAMES list.");
        return;
      }
      for (const name of splitList(params[0])) {
        const channel = network.findChannel(name);
        if (channel !== undefined) sendNames(client, channel);
        client.reply(Numeric.RPL_ENDOFNAMES, channel?.name ?? (isValidChannelName(name) ? name : "*"), "End of /NAMES list.");
      }
    },
  },

  LIST: {
    minParams: 0,
    run({ client, network }, params) {
      const wanted = params[0] === undefined || params[0] === "" ? null : splitList(params[0]);
      const channels = wanted === null ? [...network.channels()] : wanted.map((name) => network.findChannel(name));
      client.reply(Numeric.RPL_LISTSTART, "Channel", "Users  Name");
      for (const channel of channels) {
        if (channel !== undefined) client.reply(Numeric.RPL_LIST, channel.name, String(channel.members.size), channel.topic);
      }
      client.reply(Numeric.RPL_LISTEND, "End of /LIST");
    },
  },

  KICK: {
    minParams: 2,
    run(context, params) {
      const { client, network } = context;
      const channel = memberChannel(context, params[0]!);
      if (channel === null) return;
      if (!channel.isOperator(client)) {
        client.reply(Numeric.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
        return;
      }
      const reason = params[2] ?? client.name;
      for (const nick of splitList(params[1]!).slice(0, network.settings.maxTargets)) {
        const target = network.findClient(nick);
        if (target === undefined || !target.registered) {
          client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
          continue;
        }
        if (!channel.has(target)) {
          client.reply(Numeric.ERR_USERNOTINCHANNEL, target.name, channel.name, "They aren't on that channel");
          continue;
        }
        channel.broadcast(formatMessage(client.prefix, "KICK", [channel.name, target.name], reason));
        network.leave(target, channel);
      }
    },
  },

  INVITE: {
    minParams: 2,
    run(context, params) {
      const { client, network } = context;
      const [nick, name] = params as [string, string];
      const target = network.findClient(nick);
      if (target === undefined || !target.registered) {
        client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
        return;
      }
      if (!isChannelTarget(name)) {
        noSuchChannel(client, name);
        return;
      }
      const channel = memberChannel(context, name);
      if (channel === null) return;
      if (channel.inviteOnly && !channel.isOperator(client)) {
        client.reply(Numeric.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
        return;
      }
      if (channel.has(target)) {
        client.reply(Numeric.ERR_USERONCHANNEL, target.name, channel.name, "is already on channel");
        return;
      }
      channel.invite(target.name);
      network.observer?.invited(channel, target.name);
      client.replyWords(Numeric.RPL_INVITING, target.name, channel.name);
      if (target.away !== null) client.reply(Numeric.RPL_AWAY, target.name, target.away);
      target.send(formatMessage(client.prefix, "INVITE", [target.name, channel.name]));
    },
  },
};
