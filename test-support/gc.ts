/** A full garbage collection for tests, without starting Node with `--expose-gc`. */

import * as v8 from "node:v8";
import * as vm from "node:vm";

let collect: (() => void) | null = null;

/**
 * Runs two full collections (Buffer memory is released in the second, once
 * the first has collected its owners). The flag is turned on for a moment on
 * first use, which makes V8 give a new context a `gc` function.
 */
export function fullGc(): void {
  if (collect === null) {
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as () => void;
  }
  collect();
  collect();
}
