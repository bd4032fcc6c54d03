/**
 * Line-ending policy: in a protocol whose lines end with CR LF, a bare CR or
 * a bare LF inside a line is either an error or an attack (SMTP smuggling,
 * CVE-2023-51764, hides a second message behind `<LF>.<LF>`). These helpers
 * find one in a frame that arrives in pieces. Pure: no I/O, no state beyond
 * the frame being checked.
 */

import { indexOfByte } from "./buffer-view";

/** How a channel or a state treats CR and LF inside a frame: `"any"` lets them through, `"crlf"` rejects a bare one. */
export type LineEndingPolicy = "any" | "crlf";

/**
 * The offset of the first bare LF, or of a CR followed by something other
 * than LF, in `data[start..end)`; -1 if there is none. A CR in the last byte
 * is not judged (its LF may be in the next piece).
 */
export function findBareLineEnding(data: Uint8Array, start: number, end: number): number {
  let i = start;
  for (;;) {
    let lf = indexOfByte(data, 10, i);
    if (lf >= end) lf = -1;
    let cr = indexOfByte(data, 13, i);
    if (cr >= end) cr = -1;
    if (lf < 0 && cr < 0) return -1;
    if (cr < 0 || (lf >= 0 && lf < cr)) return lf;
    if (cr + 1 >= end) return -1;
    if (data[cr + 1] !== 10) return cr;
    i = cr + 2;
  }
}

/**
 * The offset of the first bare CR or LF in the complete frame
 * `data[start..end)`, counted from `start`, a CR in its last byte included
 * (nothing follows it); -1 if there is none.
 */
export function findBareLineEndingInFrame(data: Uint8Array, start: number, end: number): number {
  const at = findBareLineEnding(data, start, end);
  if (at >= 0) return at - start;
  return end > start && data[end - 1] === 13 ? end - 1 - start : -1;
}

/**
 * Checks one frame, piece by piece, for a bare CR or LF: {@link piece} for
 * each piece, {@link end} when the frame is complete. Offsets are counted
 * from the frame's first byte.
 */
export class CrlfCheck {
  /** The previous piece ended with a CR whose LF has not been seen yet. */
  #endedInCr = false;
  /** Bytes of the frame checked so far. */
  #checked = 0;

  /** Checks `data[start..end)`, the next piece; returns the frame offset of a bare CR or LF, or -1. */
  piece(data: Uint8Array, start: number, end: number): number {
    if (end === start) return -1;
    if (this.#endedInCr) {
      if (data[start] !== 10) return this.#checked - 1;
      // That CR's LF: go on after it.
      const bad = findBareLineEnding(data, start + 1, end);
      if (bad >= 0) return this.#checked + (bad - start);
    } else {
      const bad = findBareLineEnding(data, start, end);
      if (bad >= 0) return this.#checked + (bad - start);
    }
    this.#endedInCr = data[end - 1] === 13;
    this.#checked += end - start;
    return -1;
  }

  /** The frame is complete: the offset of a CR left unfollowed at its end, or -1. Ready for the next frame. */
  end(): number {
    const bad = this.#endedInCr ? this.#checked - 1 : -1;
    this.reset();
    return bad;
  }

  /** Forgets the frame under way. */
  reset(): void {
    this.#endedInCr = false;
    this.#checked = 0;
  }
}
