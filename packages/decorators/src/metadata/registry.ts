/**
 * The registry: where decorator records live, for both decorator dialects.
 *
 * - TypeScript `experimentalDecorators`: reflect-metadata on the class
 *   constructor (`Reflect.defineMetadata`, own metadata only).
 * - Standard (TC39) decorators: the class's decorator metadata object
 *   (`context.metadata`, i.e. `Class[Symbol.metadata]`), own property only,
 *   since it inherits from the parent's object.
 *
 * Node 20 has no `Symbol.metadata`; it is defined here (as the registered
 * `Symbol.for("Symbol.metadata")`, which esbuild also falls back to) before
 * any protocol class is evaluated, so TypeScript- and esbuild-compiled
 * classes both get metadata.
 */

import "reflect-metadata";
import type { ClassRecords } from "./records";

(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** The one namespaced key under which records are kept. */
export const RECORDS_KEY: unique symbol = Symbol.for("@asynchat/decorators:states");

function emptyRecords(): ClassRecords {
  return { states: [], lifecycle: [], problems: [] };
}

/** Records of a class under experimentalDecorators, created on first use. */
export function legacyRecords(constructor: object): ClassRecords {
  let records = Reflect.getOwnMetadata(RECORDS_KEY, constructor) as ClassRecords | undefined;
  if (records === undefined) {
    records = emptyRecords();
    Reflect.defineMetadata(RECORDS_KEY, records, constructor);
  }
  return records;
}

/** Records of a class under standard decorators, in its metadata object, created on first use. */
export function metadataRecords(metadata: DecoratorMetadataObject): ClassRecords {
  if (!Object.prototype.hasOwnProperty.call(metadata, RECORDS_KEY)) {
    Object.defineProperty(metadata, RECORDS_KEY, { value: emptyRecords(), enumerable: false });
  }
  return (metadata as Record<symbol, ClassRecords>)[RECORDS_KEY]!;
}

/** The records a class itself carries (not inherited), from either dialect; null if none. */
export function ownRecords(constructor: Function): ClassRecords | null {
  const legacy = Reflect.getOwnMetadata(RECORDS_KEY, constructor) as ClassRecords | undefined;
  const metadataSymbol = (Symbol as { metadata?: symbol }).metadata!;
  const metadata = Object.prototype.hasOwnProperty.call(constructor, metadataSymbol)
    ? ((constructor as unknown as Record<symbol, DecoratorMetadataObject | undefined>)[metadataSymbol] ?? null)
    : null;
  const modern =
    metadata !== null && Object.prototype.hasOwnProperty.call(metadata, RECORDS_KEY)
      ? (metadata as Record<symbol, ClassRecords>)[RECORDS_KEY]!
      : undefined;
  if (legacy === undefined) return modern ?? null;
  if (modern === undefined) return legacy;
  return {
    states: [...legacy.states, ...modern.states],
    lifecycle: [...legacy.lifecycle, ...modern.lifecycle],
    problems: [...legacy.problems, ...modern.problems],
  };
}
