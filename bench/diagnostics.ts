/**
 * For the rows that measure what diagnostics cost: one subscriber to each
 * `asynchat:*` diagnostics channel, counting what it hears (so the messages
 * are really built and delivered, not optimised away).
 */

import diagnosticsChannel from "node:diagnostics_channel";
import { DiagnosticsChannelName } from "@asynchat/core";

/** Messages heard, per channel name. */
export const heard: Record<string, number> = {};

/** Subscribes one counting subscriber to every channel name. Call once, when the row module loads. */
export function subscribeToAll(): void {
  for (const name of Object.values(DiagnosticsChannelName)) {
    heard[name] = 0;
    diagnosticsChannel.subscribe(name, () => {
      heard[name]!++;
    });
  }
}
