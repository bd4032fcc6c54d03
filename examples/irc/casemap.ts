/**
 * Names on the network: RFC 1459 case folding, and what makes a valid
 * nickname or channel name.
 */

/** Longest nickname accepted (advertised as `NICKLEN`). */
export const NICK_LENGTH = 30;

/** Longest channel name accepted, prefix included (advertised as `CHANNELLEN`). */
export const CHANNEL_LENGTH = 50;

/** RFC 1459 casemapping: `{}|^` are the lower-case forms of `[]\~`. */
const FOLD: Readonly<Record<string, string>> = { "[": "{", "]": "}", "\\": "|", "~": "^" };
const FOLDABLE = /[A-Z[\]\\~]/g;
const foldChar = (c: string): string => FOLD[c] ?? c.toLowerCase();

/**
 * The RFC 1459 case-folded form of a nickname or channel name: ASCII letters
 * lower-cased and `[]\~` mapped to `{}|^`. Other characters are left alone,
 * as the `rfc1459` casemapping clients are told about says.
 */
export function foldName(name: string): string {
  return name.replace(FOLDABLE, foldChar);
}

/** RFC 2812 nicknames: a letter or special first, then letters, digits, specials or `-`. */
const NICK = new RegExp(`^[A-Za-z\\[\\]\\\\^_\`{|}][A-Za-z0-9\\[\\]\\\\^_\`{|}-]{0,${NICK_LENGTH - 1}}$`);

/** Whether `nick` is a nickname this server accepts. */
export function isValidNick(nick: string): boolean {
  return NICK.test(nick);
}

/** `#` then 1 to 49 characters other than space, comma, colon, BEL, NUL, CR and LF. */
const CHANNEL = new RegExp(`^#[^\\0\\x07\\r\\n ,:]{1,${CHANNEL_LENGTH - 1}}$`);

/** Whether `name` is a channel name this server accepts (only `#` channels exist here). */
export function isValidChannelName(name: string): boolean {
  return CHANNEL.test(name);
}

/** Whether a target names a channel (as opposed to a nickname). */
export function isChannelTarget(target: string): boolean {
  return target.charCodeAt(0) === 0x23; // "#"
}

/**
 * Whether `name` matches a WHO-style mask where `*` stands for any run of
 * characters and `?` for one, compared case-insensitively.
 */
export function matchesMask(mask: string, name: string): boolean {
  const source = foldName(mask)
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(foldName(name));
}
