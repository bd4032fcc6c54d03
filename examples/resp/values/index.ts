/**
 * The values a key can hold besides a string, and their TYPE names. A
 * string lives in the key space's own entry; the others are objects beside
 * it. A hash is a Map from field (latin1) to value in reply form.
 */

import { ListValue } from "./list";
import { SetValue } from "./set";
import { SortedSetValue } from "./sorted-set";

/** A hash value: field (latin1, one character per byte) → value in reply form. */
export class HashValue extends Map<string, Buffer> {
  readonly kind = "hash";
}

/** Any value that is not a string. */
export type Aggregate = ListValue | HashValue | SetValue | SortedSetValue;

/** The kinds of aggregate, as TYPE names them. */
export type AggregateKind = Aggregate["kind"];

/** Every TYPE name a key can have. */
export type TypeName = "string" | AggregateKind;

/** Number of elements (list items, fields, members) of an aggregate. */
export function sizeOf(value: Aggregate): number {
  return value.kind === "list" ? value.length : value.size;
}

export { ListValue, SetValue, SortedSetValue };
