/**
 * MODE: channel modes `b` (bans), `k` (key), `l` (limit), `o` (operator),
 * `v` (voice), `i`, `m`, `n`, `t`, and the user mode `+i`. Advertised in
 * 005 as `CHANMODES=b,k,l,imnt` and `PREFIX=(ov)@+`.
 */

import { isChannelTarget } from "../casemap";
import { type Channel, KEY_LENGTH, MAX_BANS } from "../channel";
import type { Client } from "../client";
import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { CommandContext, CommandTable } from "./command";
import { noSuchChannel } from "./replies";

/** Most mode changes with a parameter in one MODE command (advertised as `MODES=4`); the rest are ignored. */
export const MAX_MODE_PARAMS = 4;

/** Channel modes as 004 lists them, and those of them that take a parameter. */
export const CHANNEL_MODES = "biklmnotv";
export const CHANNEL_MODES_WITH_PARAM = "bklov";

/** A mode string as it is broadcast: `+o-t` and the arguments of the letters that take one. */
class ModeChanges {
  #text = "";
  #sign = "";
  readonly args: string[] = [];

  add(sign: "+" | "-", letter: string, arg?: string): void {
    if (sign !== this.#sign) this.#text += sign;
    this.#sign = sign;
    this.#text += letter;
    if (arg !== undefined) this.args.push(arg);
  }

  get empty(): boolean {
    return this.#text === "";
  }

  get text(): string {
    return this.#text;
  }
}

/**
 * A ban mask in full `nick!user@host` form: `bob` means `bob!*@*`,
 * `*@host` means `*!*@host`, `nick!user` means `nick!user@*`. Null for one
 * that cannot be a mask (a space, a leading `:`, a comma, too long).
 */
export function normalizeBanMask(raw: string): string | null {
  if (raw === "" || raw.startsWith(":") || /[\s,\0]/.test(raw) || raw.length > 100) return null;
  const bang = raw.indexOf("!");
  const at = raw.indexOf("@");
  if (bang < 0 && at < 0) return `${raw}!*@*`;
  if (bang < 0) return `*!${raw}`;
  if (at < 0) return `${raw}@*`;
  return at > bang ? raw : null;
}

/** Whether `key` can be a channel key: 1 to 23 characters, no space, comma or leading colon. */
function isValidKey(key: string): boolean {
  return key.length > 0 && key.length <= KEY_LENGTH && !key.startsWith(":") && !/[\s,\0]/.test(key);
}

/** Sends the ban list: one 367 per mask, then 368. */
function sendBanList(client: Client, channel: Channel): void {
  for (const ban of channel.bans) client.replyWords(Numeric.RPL_BANLIST, channel.name, ban.mask, ban.setBy, String(ban.setAt));
  client.reply(Numeric.RPL_ENDOFBANLIST, channel.name, "End of channel ban list");
}

/** `MODE #channel [modes [args...]]`. */
function channelMode(context: CommandContext, name: string, modes: string | undefined, args: string[]): void {
  const { client, network } = context;
  const channel = network.findChannel(name);
  if (channel === undefined) {
    noSuchChannel(client, name);
    return;
  }
  if (modes === undefined || modes === "" || modes === "+") {
    client.replyWords(Numeric.RPL_CHANNELMODEIS, channel.name, ...channel.modeWords(client));
    client.replyWords(Numeric.RPL_CREATIONTIME, channel.name, String(channel.createdAt));
    return;
  }
  const changes = applyChannelModes(context, channel, modes, args);
  if (changes.empty) return;
  channel.broadcast(formatMessage(client.prefix, "MODE", [channel.name, changes.text, ...changes.args]));
  network.observer?.channelChanged(channel);
}

/**
 * Carries out a mode string: a `b` without a mask lists the bans (anyone
 * may); every change needs an operator (482 once otherwise). Unknown letters
 * get 472; at most {@link MAX_MODE_PARAMS} changes with a parameter are
 * made. Returns what actually changed.
 */
function applyChannelModes({ client, network }: CommandContext, channel: Channel, modes: string, args: string[]): ModeChanges {
  const changes = new ModeChanges();
  const op = channel.isOperator(client);
  let refused = false;
  let listed = false;
  let sign: "+" | "-" = "+";
  let argIndex = 0;
  let withParam = 0;
  /** Whether this change may be made; tells a non-operator 482 once. */
  const allowed = (): boolean => {
    if (op) return true;
    if (!refused) client.reply(Numeric.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
    refused = true;
    return false;
  };
  /** The next argument for a parameter mode, or undefined when there is none or the limit is reached. */
  const takeArg = (): string | undefined => {
    const arg = args[argIndex];
    if (arg === undefined) return undefined;
    argIndex++;
    return ++withParam > MAX_MODE_PARAMS ? undefined : arg;
  };
  const flag = (letter: string, key: "topicLocked" | "noExternalMessages" | "inviteOnly" | "moderated"): void => {
    const on = sign === "+";
    if (!allowed() || channel[key] === on) return;
    channel[key] = on;
    changes.add(sign, letter);
  };
  for (const letter of modes) {
    const on = sign === "+";
    switch (letter) {
      case "+":
      case "-":
        sign = letter;
        break;
      case "b": {
        const arg = takeArg();
        if (arg === undefined) {
          if (!listed) sendBanList(client, channel);
          listed = true;
          break;
        }
        if (!allowed()) break;
        const mask = normalizeBanMask(arg);
        if (mask === null) break;
        if (!on) {
          const removed = channel.removeBan(mask);
          if (removed !== null) changes.add(sign, "b", removed);
        } else if (channel.bans.length >= MAX_BANS) {
          client.reply(Numeric.ERR_BANLISTFULL, channel.name, mask, "Channel ban list is full");
        } else if (channel.addBan(mask, client.prefix)) {
          changes.add(sign, "b", mask);
        }
        break;
      }
      case "k": {
        // +k needs the key; -k takes one too (RFC 2812), but it need not match.
        const arg = takeArg();
        if (!allowed()) break;
        if (on) {
          if (arg === undefined) break;
          if (!isValidKey(arg)) {
            client.reply(Numeric.ERR_INVALIDKEY, channel.name, "Key is not well-formed");
            break;
          }
          channel.password = arg;
          changes.add(sign, "k", arg);
        } else if (channel.password !== null) {
          changes.add(sign, "k", "*");
          channel.password = null;
        }
        break;
      }
      case "l": {
        if (!on) {
          if (allowed() && channel.userLimit !== null) {
            channel.userLimit = null;
            changes.add(sign, "l");
          }
          break;
        }
        const arg = takeArg();
        if (!allowed() || arg === undefined) break;
        const limit = Number(arg);
        if (!/^[0-9]{1,9}$/.test(arg) || limit < 1) {
          client.reply(Numeric.ERR_INVALIDMODEPARAM, channel.name, "l", arg.slice(0, 32), "Invalid limit: a positive number is needed");
          break;
        }
        if (channel.userLimit !== limit) changes.add(sign, "l", String(limit));
        channel.userLimit = limit;
        break;
      }
      case "o":
      case "v": {
        const nick = takeArg();
        if (nick === undefined || !allowed()) break;
        const target = network.findClient(nick);
        if (target === undefined || !target.registered) client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
        else if (!channel.has(target)) client.reply(Numeric.ERR_USERNOTINCHANNEL, target.name, channel.name, "They aren't on that channel");
        else if (channel.setStatus(target, letter === "o" ? "op" : "voice", on)) {
          changes.add(sign, letter, target.name);
          network.observer?.memberChanged(channel, target);
        }
        break;
      }
      case "t":
        flag("t", "topicLocked");
        break;
      case "n":
        flag("n", "noExternalMessages");
        break;
      case "i":
        flag("i", "inviteOnly");
        break;
      case "m":
        flag("m", "moderated");
        break;
      default:
        client.reply(Numeric.ERR_UNKNOWNMODE, letter, `is unknown mode char to me for ${channel.name}`);
    }
  }
  return changes;
}

/** `MODE nick [modes]`: only your own, and only `i`. */
function userMode({ client, network }: CommandContext, nick: string, modes: string | undefined): void {
  const target = network.findClient(nick);
  if (target === undefined || !target.registered) {
    client.reply(Numeric.ERR_NOSUCHNICK, nick, "No such nick/channel");
    return;
  }
  if (target !== client) {
    client.reply(Numeric.ERR_USERSDONTMATCH, "Can't change mode for other users");
    return;
  }
  if (modes === undefined || modes === "") {
    client.replyWords(Numeric.RPL_UMODEIS, client.invisible ? "+i" : "+");
    return;
  }
  const changes = new ModeChanges();
  let sign: "+" | "-" = "+";
  let unknown = false;
  for (const letter of modes) {
    if (letter === "+" || letter === "-") sign = letter;
    else if (letter === "i") {
      if (client.invisible !== (sign === "+")) changes.add(sign, "i");
      client.invisible = sign === "+";
    } else unknown = true;
  }
  if (unknown) client.reply(Numeric.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
  if (changes.empty) return;
  client.send(formatMessage(client.prefix, "MODE", [client.name, changes.text]));
  network.observer?.userChanged(client);
}

/** MODE. */
export const modeCommands: CommandTable = {
  MODE: {
    minParams: 1,
    run(context, params) {
      const [target, modes, ...args] = params as [string, ...string[]];
      if (isChannelTarget(target)) channelMode(context, target, modes, args);
      else userMode(context, target, modes);
    },
  },
};
