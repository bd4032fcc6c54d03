/**
 * Work for the next microtask, with one `queueMicrotask` for all of it
 * rather than one closure per call: each connection's announcement and
 * each batch of pushes would otherwise make a closure and a microtask.
 * Items run in the order they were queued, items queued meanwhile included.
 */

const runs: Array<(target: any) => void> = [];
const targets: unknown[] = [];
let next = 0;
let scheduled = false;

/** Calls `run(target)` in a microtask soon, after the items queued before it. */
export function soon<T>(run: (target: T) => void, target: T): void {
  runs.push(run);
  targets.push(target);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(drain);
  }
}

function drain(): void {
  try {
    while (next < runs.length) {
      const i = next++;
      const target = targets[i];
      targets[i] = undefined;
      runs[i]!(target);
    }
    runs.length = 0;
    targets.length = 0;
    next = 0;
    scheduled = false;
  } catch (error) {
    // The items after the one that threw still run, in a microtask of their own; the error goes on as it would have.
    queueMicrotask(drain);
    throw error;
  }
}
