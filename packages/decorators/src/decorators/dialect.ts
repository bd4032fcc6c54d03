/**
 * One decorator function for both dialects: TypeScript's
 * `experimentalDecorators` calls it as `(prototype, name, descriptor)`,
 * standard decorators as `(method, context)`. Either way it only records;
 * the method itself is left as it is.
 */

import { legacyRecords, metadataRecords } from "../metadata/registry";
import type { ClassRecords } from "../metadata/records";

/** A method decorator usable under either dialect. */
export interface DualMethodDecorator {
  /** Standard (TC39) decorators. */
  (value: Function, context: ClassMethodDecoratorContext): void;
  /** TypeScript `experimentalDecorators`. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
}

function isStandardContext(value: unknown): value is DecoratorContext {
  return typeof value === "object" && value !== null && typeof (value as DecoratorContext).kind === "string";
}

/**
 * Makes a method decorator that calls `record(records, methodName)` with the
 * records of the class being decorated. Misuse (a static, private or
 * symbol-named member, a field) is recorded as a problem of the class.
 */
export function dualMethodDecorator(
  decoratorName: string,
  record: (records: ClassRecords, method: string) => void,
): DualMethodDecorator {
  return function decorate(target: unknown, second: unknown): void {
    if (isStandardContext(second)) {
      const context = second;
      const name = typeof context.name === "string" ? context.name : String(context.name);
      const records = recordsForContext(context);
      if (context.kind !== "method") {
        records.problems.push(`${name}: @${decoratorName} decorates methods, not a ${context.kind}`);
      } else if (context.static || context.private || typeof context.name !== "string") {
        records.problems.push(`${name}: @${decoratorName} needs a public instance method with a string name`);
      } else {
        record(records, name);
      }
      return;
    }
    const isConstructor = typeof target === "function";
    const constructor = (isConstructor ? target : (target as { constructor: Function }).constructor) as Function;
    const records = legacyRecords(constructor);
    const name = typeof second === "string" ? second : String(second);
    if (isConstructor || typeof second !== "string") {
      records.problems.push(`${name}: @${decoratorName} needs a public instance method with a string name`);
      return;
    }
    record(records, name);
  } as DualMethodDecorator;
}

/** Records for a standard decorator's class: in its metadata object, or, without one, per instance class. */
function recordsForContext(context: DecoratorContext): ClassRecords {
  if (context.metadata !== undefined && context.metadata !== null) return metadataRecords(context.metadata);
  // No metadata support (an old compiler): fall back to recording on the class when first instantiated.
  const pending: ClassRecords = { states: [], lifecycle: [], problems: [] };
  const seen = new WeakSet<Function>();
  (context as ClassMethodDecoratorContext).addInitializer(function (this: unknown) {
    const constructor = (this as { constructor: Function }).constructor;
    if (seen.has(constructor)) return;
    seen.add(constructor);
    const records = legacyRecords(constructor);
    records.states.push(...pending.states);
    records.lifecycle.push(...pending.lifecycle);
    records.problems.push(...pending.problems);
  });
  return pending;
}
