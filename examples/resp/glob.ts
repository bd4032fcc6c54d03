/**
 * Glob-style patterns as KEYS and CONFIG GET match them (Redis's
 * `stringmatchlen`): `*` any run, `?` any one character, `[abc]`, `[^abc]`,
 * `[a-z]` (a reversed range counts too), and `\x` for a literal `x`. Keys
 * are latin1 strings, so a character is a byte.
 */

const STAR = 42; // *
const QUESTION = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const CARET = 94; // ^
const BACKSLASH = 92; // \
const DASH = 45; // -

function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/**
 * Matches one pattern element at `p` against `code`: returns the index after
 * the element if it matches, -1 if it does not. `*` is handled by the caller.
 */
function matchElement(pattern: string, p: number, code: number, nocase: boolean): number {
  const end = pattern.length;
  let c = pattern.charCodeAt(p);
  if (c === QUESTION) return p + 1;
  if (c === OPEN) {
    p++;
    const negate = p < end && pattern.charCodeAt(p) === CARET;
    if (negate) p++;
    const target = nocase ? lower(code) : code;
    let matched = false;
    // An unclosed set runs to the end of the pattern.
    while (p < end) {
      c = pattern.charCodeAt(p);
      if (c === BACKSLASH && end - p >= 2) {
        p++;
        if ((nocase ? lower(pattern.charCodeAt(p)) : pattern.charCodeAt(p)) === target) matched = true;
      } else if (c === CLOSE) {
        break;
      } else if (end - p >= 3 && pattern.charCodeAt(p + 1) === DASH) {
        let from = pattern.charCodeAt(p);
        let to = pattern.charCodeAt(p + 2);
        if (nocase) {
          from = lower(from);
          to = lower(to);
        }
        if (from > to) [from, to] = [to, from];
        p += 2;
        if (target >= from && target <= to) matched = true;
      } else if ((nocase ? lower(c) : c) === target) {
        matched = true;
      }
      p++;
    }
    if (matched === negate) return -1;
    return p < end ? p + 1 : p;
  }
  if (c === BACKSLASH && end - p >= 2) c = pattern.charCodeAt(++p);
  if (nocase ? lower(c) !== lower(code) : c !== code) return -1;
  return p + 1;
}

/**
 * Whether `text` matches the glob `pattern` (whole string). Linear in
 * practice: a mismatch after a `*` retries from one character further,
 * never revisiting earlier stars.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const patternEnd = pattern.length;
  const textEnd = text.length;
  let p = 0;
  let t = 0;
  let starAt = -1;
  let starText = 0;
  while (t < textEnd) {
    if (p < patternEnd) {
      if (pattern.charCodeAt(p) === STAR) {
        while (p < patternEnd && pattern.charCodeAt(p) === STAR) p++;
        if (p === patternEnd) return true;
        starAt = p;
        starText = t;
        continue;
      }
      const next = matchElement(pattern, p, text.charCodeAt(t), nocase);
      if (next >= 0) {
        p = next;
        t++;
        continue;
      }
    }
    if (starAt < 0) return false;
    p = starAt;
    t = ++starText;
  }
  while (p < patternEnd && pattern.charCodeAt(p) === STAR) p++;
  return p === patternEnd;
}

/** Whether the pattern matches everything (`*`, `**`, ...), so a scan can skip matching. */
export function matchesEverything(pattern: string): boolean {
  if (pattern.length === 0) return false;
  for (let i = 0; i < pattern.length; i++) if (pattern.charCodeAt(i) !== STAR) return false;
  return true;
}
