/**
 * What the AsyncChat rows share: the line and RESP counters, written once
 * over a base class that decides only how a frame's pieces are kept
 * (`collectIncomingData`) and joined (`takeFrame`), so two such rows differ
 * in that and nothing else; and feeding chunks to any counting channel.
 */

import { AsyncChat } from "@asynchat/core";
import type { Counter, NodeRow } from "./harness";
import { bulkLength } from "./scenarios/resp";

/** A channel that counts the frames and content bytes it framed. */
export interface CountingChannel {
  frames: number;
  bytes: number;
  handleRead(data: Uint8Array): void;
}

/** Feeds `chunks` one read each, then reports what `channel` counted; returns it (kept alive by the harness). */
export function feedAndCount<T extends CountingChannel>(channel: T, chunks: readonly Buffer[], counter: Counter): T {
  for (let i = 0; i < chunks.length; i++) channel.handleRead(chunks[i]!);
  counter.frames = channel.frames;
  counter.bytes = channel.bytes;
  return channel;
}

/** A channel that keeps a frame's pieces and hands the frame over with `takeFrame`. */
export interface Collecting extends CountingChannel {
  /** The frame just ended, without its terminator. */
  takeFrame(): Buffer;
}

/** An AsyncChat that keeps a frame's pieces and hands the frame over with `takeFrame`. */
export abstract class CollectingChat extends AsyncChat implements Collecting {
  frames = 0;
  bytes = 0;

  /** The frame just ended, without its terminator. */
  abstract takeFrame(): Buffer;
}

/**
 * The framers of a row over `Base`: lines ended by CRLF; and RESP, where
 * the header handler switches to a byte count (parsed with the limit row's
 * helper) and the body handler back to CRLF.
 */
export function collectingFramers(Base: new () => AsyncChat & Collecting): NodeRow["framers"] {
  class LineCounter extends Base {
    constructor() {
      super();
      this.setTerminator("\r\n");
    }

    override foundTerminator(): void {
      const line = this.takeFrame();
      this.frames++;
      this.bytes += line.length;
    }
  }

  class RespCounter extends Base {
    /** Body length being received, or -1 while a header line is expected. */
    #body = -1;

    constructor() {
      super();
      this.setTerminator("\r\n");
    }

    override foundTerminator(): void {
      const frame = this.takeFrame();
      this.frames++;
      if (this.#body < 0) {
        const length = bulkLength(frame);
        this.#body = length;
        this.setTerminator(length + 2);
      } else {
        const length = this.#body;
        if (frame[length] !== 13 || frame[length + 1] !== 10) throw new Error("body not followed by CRLF");
        this.bytes += length;
        this.#body = -1;
        this.setTerminator("\r\n");
      }
    }
  }

  return {
    lines: (chunks, counter) => feedAndCount(new LineCounter(), chunks, counter),
    resp: (chunks, counter) => feedAndCount(new RespCounter(), chunks, counter),
  };
}
