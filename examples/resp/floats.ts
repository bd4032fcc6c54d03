/**
 * Redis's floating-point numbers: parsing them from arguments as its
 * `strtod`/`strtold` checks do, and printing them as its replies do
 * (sorted-set scores with C's `%.17g`; INCRBYFLOAT's long doubles are in
 * `long-double.ts`).
 */

/** Words C's strtod takes for infinity, any case, with an optional sign. */
const INFINITY = /^[+-]?(inf|infinity)$/i;
/** A decimal or hexadecimal number as strtod reads it, with nothing around it. */
const NUMBER = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;

/**
 * The number in `text` as Redis reads a float argument: no white space
 * around it, no NaN, infinities spelt `inf`/`infinity` (any case, signed);
 * null if it is none.
 */
export function parseFloatText(text: string): number | null {
  if (INFINITY.test(text)) return text[0] === "-" ? -Infinity : Infinity;
  if (!NUMBER.test(text)) return null;
  const sign = text[0] === "-" ? -1 : 1;
  const body = text[0] === "-" || text[0] === "+" ? text.slice(1) : text;
  const value = sign * Number(body);
  return Number.isNaN(value) ? null : value;
}

/** Strips trailing zeros of a fraction, and the point if nothing is left after it. */
function trimFraction(digits: string): string {
  if (!digits.includes(".")) return digits;
  return digits.replace(/0+$/, "").replace(/\.$/, "");
}

/** `value` as C's `printf("%.17g")` prints it, `0` for both zeros and `inf`/`-inf` (Redis's reply for a score). */
export function formatScore(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return "0";
  const [mantissa, exponentText] = value.toExponential(16).split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 17) {
    const magnitude = Math.abs(exponent);
    return `${trimFraction(mantissa)}e${exponent < 0 ? "-" : "+"}${magnitude < 10 ? "0" : ""}${magnitude}`;
  }
  return trimFraction(value.toFixed(16 - exponent));
}
