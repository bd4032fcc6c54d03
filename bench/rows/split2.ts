/**
 * split2: the popular line splitter, a Transform stream that decodes each
 * chunk to a string and splits it with a regular expression, handing out
 * strings. Written to with backpressure honoured; the measurement ends at
 * its `end` event. Lines only: it cannot switch to a byte count.
 */

import { once } from "node:events";
import type { Transform } from "node:stream";
import split2 from "split2";
import type { Counter, NodeRow } from "../harness";

async function frameLines(chunks: readonly Buffer[], counter: Counter): Promise<Transform> {
  let frames = 0;
  let bytes = 0;
  const splitter = split2();
  splitter.on("data", (line: string) => {
    frames++;
    bytes += line.length;
  });
  const ended = once(splitter, "end");
  for (let i = 0; i < chunks.length; i++) {
    if (!splitter.write(chunks[i]!)) await once(splitter, "drain");
  }
  splitter.end();
  await ended;
  counter.frames = frames;
  counter.bytes = bytes;
  return splitter;
}

export const row: NodeRow = {
  name: "split2",
  order: 20,
  description: "npm split2 (Transform stream, strings, /\\r?\\n/), written with backpressure",
  framers: { lines: frameLines },
};
