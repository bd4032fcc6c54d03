/**
 * INCRBYFLOAT as Redis computes it: in C's `long double` (x87 80-bit
 * extended precision on x86-64, a 64-bit significand) and printed with
 * `%.17Lf`, trailing zeros dropped. JavaScript has only doubles, so the
 * values are exact binary fractions in BigInts, rounded to 64 significant
 * bits after each step, as the hardware does. `10.5 + 0.1 + 1e3` then
 * prints `1005.59999999999999998`, as Redis's does, not `1005.6`.
 */

/** A finite extended-precision value: `significand × 2^exponent`, |significand| < 2^64. */
export interface Extended {
  readonly significand: bigint;
  readonly exponent: number;
}

/** Significant bits of C's long double on x86-64. */
const BITS = 64;
/** Beyond this binary exponent a long double overflows (2^16384). */
const MAX_EXPONENT = 16384;
/** Decimal exponents further out than this are infinite or zero for a long double. */
const MAX_DECIMAL_EXPONENT = 5000;

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** `numerator / denominator` (both positive) rounded to the nearest integer, ties to even. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = 2n * (numerator - quotient * denominator);
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** The positive value `numerator / denominator × 2^exponent` rounded to {@link BITS} significant bits. */
function round(numerator: bigint, denominator: bigint, exponent: number): Extended {
  if (numerator === 0n) return { significand: 0n, exponent: 0 };
  // Scale so that the quotient has BITS bits, then round once.
  let shift = BITS - (bitLength(numerator) - bitLength(denominator));
  for (;;) {
    const scaled = shift >= 0 ? divideRounded(numerator << BigInt(shift), denominator) : divideRounded(numerator, denominator << BigInt(-shift));
    const length = bitLength(scaled);
    if (length > BITS) shift--;
    else if (length < BITS) shift++;
    else return { significand: scaled, exponent: exponent - shift };
  }
}

function signed(value: Extended, negative: boolean): Extended {
  return negative ? { significand: -value.significand, exponent: value.exponent } : value;
}

/** A decimal number (as {@link parseFloatText} accepts it, finite) to the nearest long double; null if it overflows. */
export function parseExtended(text: string): Extended | null {
  const match = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) {
    // Hexadecimal integers and other forms strtold reads: through a double (exact for integers below 2^53).
    const value = Number(text);
    return Number.isFinite(value) ? fromNumber(value) : null;
  }
  const [, sign, whole, fraction, exponentText] = match as unknown as [string, string, string, string, string | undefined];
  const digits = BigInt(`${whole}${fraction}` || "0");
  const decimalExponent = Number(exponentText ?? 0) - fraction.length;
  if (digits === 0n) return { significand: 0n, exponent: 0 };
  if (decimalExponent > MAX_DECIMAL_EXPONENT) return null;
  if (decimalExponent < -MAX_DECIMAL_EXPONENT) return { significand: 0n, exponent: 0 };
  const value =
    decimalExponent >= 0 ? round(digits * 10n ** BigInt(decimalExponent), 1n, 0) : round(digits, 10n ** BigInt(-decimalExponent), 0);
  return value.exponent > MAX_EXPONENT ? null : signed(value, sign === "-");
}

/** A double as a long double (exact). */
export function fromNumber(value: number): Extended {
  if (value === 0) return { significand: 0n, exponent: 0 };
  let exponent = 0;
  let magnitude = Math.abs(value);
  while (!Number.isInteger(magnitude)) {
    magnitude *= 2;
    exponent--;
  }
  return signed(round(BigInt(magnitude), 1n, exponent), value < 0);
}

/** `a + b` rounded to a long double; null if it overflows. */
export function addExtended(a: Extended, b: Extended): Extended | null {
  const exponent = Math.min(a.exponent, b.exponent);
  const sum = (a.significand << BigInt(a.exponent - exponent)) + (b.significand << BigInt(b.exponent - exponent));
  if (sum === 0n) return { significand: 0n, exponent: 0 };
  const value = round(sum < 0n ? -sum : sum, 1n, exponent);
  return value.exponent > MAX_EXPONENT ? null : signed(value, sum < 0n);
}

/** The value as `printf("%.17Lf")` prints it, trailing zeros (and a bare point) removed: Redis's INCRBYFLOAT reply. */
export function formatExtended(value: Extended): string {
  const negative = value.significand < 0n;
  const magnitude = negative ? -value.significand : value.significand;
  let scaled: bigint;
  if (value.exponent >= 0) scaled = (magnitude << BigInt(value.exponent)) * 10n ** 17n;
  else scaled = divideRounded(magnitude * 10n ** 17n, 1n << BigInt(-value.exponent));
  if (scaled === 0n) return "0";
  const digits = scaled.toString().padStart(18, "0");
  const whole = digits.slice(0, -17);
  const fraction = digits.slice(-17).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}
