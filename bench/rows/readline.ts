/**
 * node:readline: Node's own line reader (`crlfDelay: Infinity`, so a CR and
 * LF split across reads are one terminator whatever the timing). Its input
 * is a minimal emitter that emits each chunk as `data` synchronously, so
 * what is measured is readline's decoding and splitting, not a stream's
 * scheduling. Strings; lines only.
 */

import { EventEmitter } from "node:events";
import { type Interface, createInterface } from "node:readline";
import type { Counter, NodeRow } from "../harness";

/** Just enough of a readable stream for readline: `data`/`end` events, pause and resume. */
class FeedInput extends EventEmitter {
  pause(): this {
    return this;
  }

  resume(): this {
    return this;
  }
}

function frameLines(chunks: readonly Buffer[], counter: Counter): Interface {
  let frames = 0;
  let bytes = 0;
  const input = new FeedInput();
  const lines = createInterface({ input: input as unknown as NodeJS.ReadableStream, crlfDelay: Infinity, terminal: false });
  lines.on("line", (line: string) => {
    frames++;
    bytes += line.length;
  });
  for (let i = 0; i < chunks.length; i++) input.emit("data", chunks[i]!);
  input.emit("end");
  lines.close();
  counter.frames = frames;
  counter.bytes = bytes;
  return lines;
}

export const row: NodeRow = {
  name: "node:readline",
  order: 30,
  description: "readline.createInterface (strings, crlfDelay Infinity), chunks emitted synchronously",
  framers: { lines: frameLines },
};
