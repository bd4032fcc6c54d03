/**
 * Keeps the newest channel of each channel class reachable.
 *
 * V8 holds an object's hidden class (its "map") weakly once the object is
 * gone, and optimised code that was specialised on a map is thrown away
 * when a full GC finds the map dead. The framing path inlines calls into the
 * subclass's hooks, so its optimised code names the subclass's map: when no
 * channel of that class survives a full GC — a server between bursts, a
 * batch job making a channel per file — the next channel runs unoptimised
 * until it is hot again. Measured: a 32 MB framing pass after such a GC took
 * 8–10× as long as one with a channel of its class alive.
 *
 * One channel per class (the newest made) is the price. The key is the
 * class, held weakly: a class that is itself dropped takes its channel with it.
 */

const newest = new WeakMap<object, object>();

/** Records `channel` as the newest of `channelClass`, keeping it reachable until a newer one is made. */
export function anchorChannelClass(channelClass: object, channel: object): void {
  newest.set(channelClass, channel);
}
