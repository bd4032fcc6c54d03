/**
 * A mistake on the command line: an unknown flag, a missing or bad value, an
 * unknown example. The command prints the message and exits with status 2.
 * An example's `start` may throw one too, for a value only it can judge
 * (two flags that contradict each other, say).
 */

/** A command-line mistake; its message names the flag or argument and the value given. */
export class FlagError extends Error {
  /** Stable code for every command-line mistake. */
  readonly code = "ERR_EXAMPLE_FLAG";

  /** @param message what is wrong, naming the flag and the value given */
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}
