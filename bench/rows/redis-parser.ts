/**
 * redis-parser: the RESP parser of node_redis and ioredis, returning
 * Buffers. It parses a header and its bulk body in one go, so each reply
 * counts as two frames, like the header and body frames of the other rows.
 */

import RedisParser from "redis-parser";
import type { Counter, NodeRow } from "../harness";

function frameResp(chunks: readonly Buffer[], counter: Counter): RedisParser {
  let replies = 0;
  let bytes = 0;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply(reply: unknown) {
      if (!Buffer.isBuffer(reply)) throw new Error(`unexpected reply ${String(reply)}`);
      replies++;
      bytes += reply.length;
    },
    returnError(error: Error) {
      throw error;
    },
  });
  for (let i = 0; i < chunks.length; i++) parser.execute(chunks[i]!);
  counter.frames = 2 * replies;
  counter.bytes = bytes;
  return parser;
}

export const row: NodeRow = {
  name: "redis-parser",
  order: 40,
  description: "npm redis-parser (returnBuffers), one reply counted as header + body frames",
  framers: { resp: frameResp },
};
