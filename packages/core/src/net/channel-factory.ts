/**
 * How servers and `connect` make a channel for a socket: from a channel
 * class or from a factory function.
 */

import type { Duplex } from "node:stream";
import { AsyncChat } from "../channel/async-chat";
import type { AsyncChatOptions } from "../channel/options";
import { invalidArgType } from "../errors";

/** A subclass of {@link AsyncChat}, constructed as `new Channel(socket, options)`. */
export type ChannelClass<C extends AsyncChat<any>> = new (socket: Duplex, options?: AsyncChatOptions) => C;

/** A function that makes the channel for a socket. */
export type ChannelFactoryFunction<C extends AsyncChat<any>> = (socket: Duplex) => C;

/** Either a channel class or a factory function. */
export type ChannelFactory<C extends AsyncChat<any>> = ChannelClass<C> | ChannelFactoryFunction<C>;

/** Whether `factory` is AsyncChat or a subclass of it (as opposed to a factory function). */
export function isChannelClass<C extends AsyncChat<any>>(factory: ChannelFactory<C>): factory is ChannelClass<C> {
  return factory === (AsyncChat as unknown) || (typeof factory === "function" && factory.prototype instanceof AsyncChat);
}

/** Checks that `factory` is a channel class or a function. */
export function validateChannelFactory(factory: unknown): void {
  if (typeof factory !== "function") {
    throw invalidArgType("channel", "a subclass of AsyncChat or a function returning a channel", factory);
  }
}

/** Makes the channel for `socket`; throws if a factory returns something that is not an AsyncChat. */
export function makeChannel<C extends AsyncChat<any>>(factory: ChannelFactory<C>, socket: Duplex, options?: AsyncChatOptions): C {
  const channel = isChannelClass(factory) ? new factory(socket, options) : (factory as ChannelFactoryFunction<C>)(socket);
  if (!(channel instanceof AsyncChat)) {
    throw invalidArgType("the channel factory's result", "an AsyncChat", channel);
  }
  return channel;
}
