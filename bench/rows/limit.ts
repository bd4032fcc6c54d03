/**
 * The limit: the tightest framing loop we know how to write in JavaScript,
 * with no abstraction at all. Each terminator is found with a one-byte
 * `indexOf(LF)` (memchr) and a check that the byte before is CR; each frame
 * that lies inside one read is one `subarray`; only a frame that spans reads
 * is joined. Other rows are reported as a ratio of it.
 */

import type { Counter, NodeRow } from "../harness";
import { bulkLength } from "../scenarios/resp";

const CR = 13;
const LF = 10;

/** Joins the pieces of a frame that spans reads (the last piece ends before the LF). */
function join(pieces: Buffer[], tail: Buffer): Buffer {
  pieces.push(tail);
  const joined = Buffer.concat(pieces);
  pieces.length = 0;
  return joined;
}

function frameLines(chunks: readonly Buffer[], counter: Counter): void {
  let frames = 0;
  let bytes = 0;
  const pieces: Buffer[] = [];
  let lastPieceEndsInCR = false;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    let start = 0;
    let scan = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, scan);
      if (lf < 0) break;
      scan = lf + 1;
      let line: Buffer;
      if (lf > start) {
        if (chunk[lf - 1] !== CR) continue;
        line = pieces.length === 0 ? chunk.subarray(start, lf - 1) : join(pieces, chunk.subarray(start, lf - 1));
      } else if (lf === 0 && pieces.length > 0 && lastPieceEndsInCR) {
        // The CR ended the previous read.
        const joined = join(pieces, chunk.subarray(0, 0));
        line = joined.subarray(0, joined.length - 1);
      } else {
        continue;
      }
      frames++;
      bytes += line.length;
      start = scan;
    }
    if (start < chunk.length) {
      pieces.push(chunk.subarray(start));
      lastPieceEndsInCR = chunk[chunk.length - 1] === CR;
    }
  }
  if (pieces.length > 0) throw new Error("input ended inside a line");
  counter.frames = frames;
  counter.bytes = bytes;
}

function checkBodyEnd(frame: Buffer, length: number): void {
  if (frame[length] !== CR || frame[length + 1] !== LF) throw new Error("body not followed by CRLF");
}

function frameResp(chunks: readonly Buffer[], counter: Counter): void {
  let frames = 0;
  let bytes = 0;
  const pieces: Buffer[] = [];
  let piecesLength = 0;
  let lastPieceEndsInCR = false;
  /** -1 while reading a header line, else the body length (the frame is 2 bytes longer). */
  let body = -1;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    let pos = 0;
    while (pos < chunk.length) {
      if (body < 0) {
        let scan = pos;
        let header: Buffer | null = null;
        for (;;) {
          const lf = chunk.indexOf(LF, scan);
          if (lf < 0) break;
          scan = lf + 1;
          if (lf > pos) {
            if (chunk[lf - 1] !== CR) continue;
            header = pieces.length === 0 ? chunk.subarray(pos, lf - 1) : join(pieces, chunk.subarray(pos, lf - 1));
          } else if (lf === 0 && pieces.length > 0 && lastPieceEndsInCR) {
            const joined = join(pieces, chunk.subarray(0, 0));
            header = joined.subarray(0, joined.length - 1);
          } else {
            continue;
          }
          break;
        }
        if (header === null) {
          pieces.push(chunk.subarray(pos));
          lastPieceEndsInCR = chunk[chunk.length - 1] === CR;
          break;
        }
        frames++;
        body = bulkLength(header);
        pos = scan;
        piecesLength = 0;
      } else {
        const need = body + 2 - piecesLength;
        const available = chunk.length - pos;
        if (available < need) {
          pieces.push(chunk.subarray(pos));
          piecesLength += available;
          break;
        }
        let frame: Buffer;
        if (pieces.length === 0) frame = chunk.subarray(pos, pos + need);
        else {
          pieces.push(chunk.subarray(pos, pos + need));
          frame = Buffer.concat(pieces, body + 2);
          pieces.length = 0;
        }
        checkBodyEnd(frame, body);
        frames++;
        bytes += body;
        pos += need;
        body = -1;
        piecesLength = 0;
      }
    }
  }
  if (pieces.length > 0 || body >= 0) throw new Error("input ended inside a frame");
  counter.frames = frames;
  counter.bytes = bytes;
}

export const row: NodeRow = {
  name: "limit",
  order: 0,
  description: "one-byte indexOf(LF) + CR check, one subarray per frame, join only across reads",
  framers: { lines: frameLines, resp: frameResp },
};
