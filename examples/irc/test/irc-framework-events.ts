/**
 * Waiting for irc-framework events in tests.
 */

import type { Client } from "irc-framework";

/** Resolves with the first event of that name for which `accept` holds. */
export function next<T>(client: Client, event: string, accept: (value: T) => boolean = () => true, timeout = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no matching "${event}" event within ${timeout} ms`));
    }, timeout);
    const listener = (value: T): void => {
      if (!accept(value)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(value);
    };
    client.on(event, listener);
  });
}
