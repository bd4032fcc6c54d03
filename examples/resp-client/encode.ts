/**
 * Commands as RESP2 multibulk arrays: `*<n>\r\n` then `$<bytes>\r\n<arg>\r\n`
 * per argument. All-string commands become one string (the channel joins
 * consecutive strings, so a tick's commands leave as one write); a Buffer
 * argument goes out as it is, between string pieces, never copied.
 */

/** An argument of a command: a string (sent as UTF-8), a number (its decimal form) or bytes. */
export type CommandArgument = string | number | Uint8Array;

/** A command encoded: one string, or pieces to push in order. */
export type EncodedCommand = string | Array<string | Uint8Array>;

/** Encodes `args` as a RESP2 multibulk request; throws `TypeError` for an argument of another type. */
export function encodeCommand(args: readonly CommandArgument[]): EncodedCommand {
  let text = `*${args.length}\r\n`;
  let pieces: Array<string | Uint8Array> | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === "string") {
      text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    } else if (typeof arg === "number") {
      if (!Number.isFinite(arg)) throw argumentError(i, arg);
      const digits = String(arg);
      text += `$${digits.length}\r\n${digits}\r\n`;
    } else if (arg instanceof Uint8Array) {
      pieces ??= [];
      pieces.push(`${text}$${arg.length}\r\n`, arg);
      text = "\r\n";
    } else {
      throw argumentError(i, arg);
    }
  }
  if (pieces === null) return text;
  pieces.push(text);
  return pieces;
}

function argumentError(index: number, value: unknown): TypeError & { code: string } {
  const shown = typeof value === "number" ? String(value) : typeof value;
  const error = new TypeError(`Command argument ${index} must be a string, a finite number or bytes; got ${shown}`) as TypeError & { code: string };
  error.code = "ERR_INVALID_ARG_TYPE";
  return error;
}
