/**
 * Registration: PASS, NICK, USER and a minimal CAP (no capabilities, but
 * clients that negotiate get their answer), then the welcome burst.
 * NICK also serves registered clients changing their nickname.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { CHANNEL_LENGTH, NICK_LENGTH, isValidNick } from "../casemap";
import { KEY_LENGTH, MAX_BANS, TOPIC_LENGTH } from "../channel";
import type { Client } from "../client";
import { formatMessage } from "../message";
import { Numeric } from "../numerics";
import type { IrcSettings } from "../settings";
import type { CommandContext, CommandTable } from "./command";
import { CHANNEL_MODES, CHANNEL_MODES_WITH_PARAM, MAX_MODE_PARAMS } from "./modes";
import { AWAY_LENGTH } from "./users";
import { sendMotd } from "./queries";

/** The version shown in 002 and 004. */
export const SERVER_VERSION = "asynchat-irc-1.0";

/** Longest user name kept from USER (after the `~`). */
const USER_LENGTH = 10;

function sameSecret(given: string, expected: string): boolean {
  // Compare digests, so the time taken tells nothing about the password.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A user name as shown in prefixes: `~` and at most 10 safe characters. */
function cleanUserName(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_.\-[\]\\^`{|}]/g, "").slice(0, USER_LENGTH);
  return `~${clean === "" ? "user" : clean}`;
}

/**
 * The ISUPPORT tokens (005), in lines of at most 13 tokens (with the
 * nickname and the closing text, 15 parameters).
 */
export function isupportLines(settings: IrcSettings): string[][] {
  const { networkName, maxChannelsPerClient, maxTargets } = settings;
  const tokens = [
    `AWAYLEN=${AWAY_LENGTH}`,
    "CASEMAPPING=rfc1459",
    `CHANLIMIT=#:${maxChannelsPerClient}`,
    "CHANMODES=b,k,l,imnt",
    `CHANNELLEN=${CHANNEL_LENGTH}`,
    "CHANTYPES=#",
    `KEYLEN=${KEY_LENGTH}`,
    `MAXLIST=b:${MAX_BANS}`,
    `MAXTARGETS=${maxTargets}`,
    `MODES=${MAX_MODE_PARAMS}`,
    `NETWORK=${networkName}`,
    `NICKLEN=${NICK_LENGTH}`,
    "PREFIX=(ov)@+",
    `TARGMAX=PRIVMSG:${maxTargets},NOTICE:${maxTargets},KICK:${maxTargets},WHOIS:${maxTargets}`,
    `TOPICLEN=${TOPIC_LENGTH}`,
  ];
  const lines: string[][] = [];
  for (let i = 0; i < tokens.length; i += 13) lines.push(tokens.slice(i, i + 13));
  return lines;
}

/** Sends the 005 lines. */
export function sendIsupport(client: Client, settings: IrcSettings): void {
  for (const tokens of isupportLines(settings)) client.reply(Numeric.RPL_ISUPPORT, ...tokens, "are supported by this server");
}

/** Sends 001-005 and the MOTD. */
function welcome({ client, network }: CommandContext): void {
  const { serverName, networkName } = network.settings;
  client.reply(Numeric.RPL_WELCOME, `Welcome to the ${networkName} Internet Relay Chat Network ${client.prefix}`);
  client.reply(Numeric.RPL_YOURHOST, `Your host is ${serverName}, running version ${SERVER_VERSION}`);
  client.reply(Numeric.RPL_CREATED, `This server was created ${network.createdAt.toUTCString()}`);
  client.replyWords(Numeric.RPL_MYINFO, serverName, SERVER_VERSION, "i", CHANNEL_MODES, CHANNEL_MODES_WITH_PARAM);
  sendIsupport(client, network.settings);
  sendMotd(client, network.settings);
}

/**
 * Completes registration once NICK and USER have been given and no CAP
 * negotiation is open: checks the password (464 and disconnect on a
 * mismatch), then welcomes the client.
 */
export function tryCompleteRegistration(context: CommandContext): void {
  const { client, network } = context;
  if (client.registered || client.nick === null || client.username === null || client.capNegotiating) return;
  const password = network.settings.password;
  if (password !== null && (client.password === null || !sameSecret(client.password, password))) {
    client.reply(Numeric.ERR_PASSWDMISMATCH, "Password incorrect");
    network.quit(client, "Bad password");
    return;
  }
  client.registered = true;
  network.registered(client);
  welcome(context);
}

/** Gives the client its (checked) nickname: at registration, or as a change everyone sharing a channel sees. */
function changeNick(context: CommandContext, nick: string): void {
  const { client, network } = context;
  if (!client.registered) {
    network.rename(client, nick);
    tryCompleteRegistration(context);
    return;
  }
  // Formatted with the old prefix, the new nickname trailing as servers send it; seen by the client and everyone sharing a channel with it.
  const line = formatMessage(client.prefix, "NICK", [], nick);
  network.rename(client, nick);
  network.sendToPeers(client, line, true);
}

/** PASS, NICK, USER, CAP. */
export const registrationCommands: CommandTable = {
  PASS: {
    minParams: 1,
    beforeRegistration: true,
    run({ client }, params) {
      if (client.registered) {
        client.reply(Numeric.ERR_ALREADYREGISTERED, "You may not reregister");
        return;
      }
      client.password = params[0]!;
    },
  },

  NICK: {
    minParams: 0,
    beforeRegistration: true,
    run(context, params) {
      const { client, network } = context;
      const nick = params[0];
      if (nick === undefined || nick === "") {
        client.reply(Numeric.ERR_NONICKNAMEGIVEN, "No nickname given");
        return;
      }
      if (!isValidNick(nick)) {
        client.reply(Numeric.ERR_ERRONEUSNICKNAME, nick.slice(0, 64), "Erroneous nickname");
        return;
      }
      const holder = network.findClient(nick);
      if (holder !== undefined && holder !== client) {
        client.reply(Numeric.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
        return;
      }
      if (client.nick === nick) return;
      const claim = holder === undefined ? network.observer?.claimNick(client, nick) : undefined;
      if (claim === undefined) {
        changeNick(context, nick);
        return;
      }
      return claim.then((claimed) => {
        if (client.gone) return;
        if (!claimed || (network.findClient(nick) ?? client) !== client) client.reply(Numeric.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
        else changeNick(context, nick);
      });
    },
  },

  USER: {
    minParams: 4,
    beforeRegistration: true,
    run(context, params) {
      const { client } = context;
      if (client.registered) {
        client.reply(Numeric.ERR_ALREADYREGISTERED, "You may not reregister");
        return;
      }
      client.username = cleanUserName(params[0]!);
      client.realname = params[3]!;
      tryCompleteRegistration(context);
    },
  },

  CAP: {
    minParams: 1,
    beforeRegistration: true,
    run(context, params) {
      const { client, network } = context;
      const server = network.settings.serverName;
      const sub = params[0]!.toUpperCase();
      switch (sub) {
        case "LS":
        case "LIST":
          if (sub === "LS" && !client.registered) client.capNegotiating = true;
          client.send(formatMessage(server, "CAP", [client.name, sub], ""));
          return;
        case "REQ":
          if (!client.registered) client.capNegotiating = true;
          client.send(formatMessage(server, "CAP", [client.name, "NAK"], params[1] ?? ""));
          return;
        case "END":
          client.capNegotiating = false;
          tryCompleteRegistration(context);
          return;
        default:
          client.reply(Numeric.ERR_INVALIDCAPCMD, sub.slice(0, 32), "Invalid CAP command");
      }
    },
  },
};
