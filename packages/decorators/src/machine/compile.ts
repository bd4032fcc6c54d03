/**
 * The state-machine compiler: merges the records of a protocol class and its
 * ancestors (a subclass's state wins), validates everything at once, and
 * builds a frozen state table, cached per class. Frames are dispatched from
 * this table only: no metadata is read per frame.
 */

import { AT_LEAST_ZERO, type NormalTerminator, type Terminator, describeValue, limitProblem, normalizeTerminator } from "@asynchat/core";
import { ProtocolDefinitionError } from "../errors";
import type { ByteCountSpec, LifecycleEvent, StateOptions, StateRecord, TerminatorSpec } from "../metadata/records";
import { ownRecords } from "../metadata/registry";

/** The built-in class-wide default of `maxLength`, 64 KiB. */
export const DEFAULT_MAX_LENGTH = 64 * 1024;

/** A byte and frame budget over a group of states. */
export interface Budget {
  /** Most bytes the group's frames may total. */
  maxBytes?: number;
  /** Most frames the group may have. */
  maxFrames?: number;
}

/** One state of a compiled machine. */
export interface CompiledState {
  readonly name: string;
  readonly index: number;
  readonly kind: "terminator" | "bytes";
  /** The static terminator as given, or null when computed per entry. */
  readonly terminator: Terminator | null;
  /** The static terminator's normal form, or null. */
  readonly normal: NormalTerminator | null;
  readonly terminatorFn: ((self: unknown) => Terminator) | null;
  /** The static byte count, or -1. */
  readonly count: number;
  readonly countFn: ((self: unknown) => number) | null;
  readonly handler: (this: unknown, ...args: unknown[]) => unknown;
  readonly encoding: BufferEncoding | null;
  readonly latin1: boolean;
  readonly stream: boolean;
  /** The limit in force, with the class default applied. */
  readonly maxLength: number;
  /** Whether `maxLength` was set on the state itself. */
  readonly ownMaxLength: boolean;
  readonly crlfOnly: boolean;
  /** Index into the machine's budgets, or -1. */
  readonly budget: number;
  readonly initial: boolean;
  readonly options: StateOptions;
  /** The declared successors, or null when not declared. */
  readonly next: ReadonlySet<CompiledState> | null;
  /** The class whose decorator made this state. */
  readonly declaredIn: string;
}

/** A compiled protocol class. */
export interface Machine {
  readonly className: string;
  readonly states: readonly CompiledState[];
  readonly initial: CompiledState;
  readonly byName: ReadonlyMap<string, CompiledState>;
  readonly byFunction: ReadonlyMap<Function, CompiledState>;
  readonly lifecycle: Readonly<Record<LifecycleEvent, ReadonlyArray<(this: unknown, ...args: unknown[]) => unknown>>>;
  readonly budgets: ReadonlyArray<{ readonly name: string; readonly maxBytes: number; readonly maxFrames: number }>;
}

const cache = new WeakMap<Function, Machine | ProtocolDefinitionError>();

/** The class chain from the base-most class with records down to `constructor`. */
function classChain(constructor: Function): Function[] {
  const chain: Function[] = [];
  for (let c: unknown = constructor; typeof c === "function" && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    chain.unshift(c as Function);
  }
  return chain;
}

/** Core's one rule for lengths and counts: an integer >= 0, or Infinity. */
function validLimit(value: unknown): value is number {
  return limitProblem(value, AT_LEAST_ZERO) === null;
}

/**
 * Compiles (once, then from cache) the state machine of a protocol class.
 * Throws {@link ProtocolDefinitionError} listing every mistake.
 */
export function compileProtocol(constructor: Function): Machine {
  const cached = cache.get(constructor);
  if (cached instanceof ProtocolDefinitionError) throw cached;
  if (cached !== undefined) return cached;
  try {
    const machine = build(constructor);
    cache.set(constructor, machine);
    return machine;
  } catch (error) {
    if (error instanceof ProtocolDefinitionError) cache.set(constructor, error);
    throw error;
  }
}

interface Merged {
  record: StateRecord;
  className: string;
}

function build(constructor: Function): Machine {
  const className = constructor.name || "<anonymous class>";
  const problems: string[] = [];
  const merged = new Map<string, Merged>();
  const lifecycleNames: Record<LifecycleEvent, string[]> = { connect: [], close: [], error: [], overflow: [] };
  const chain = classChain(constructor);

  for (const c of chain) {
    const records = ownRecords(c);
    if (records === null) continue;
    const name = c.name || "<anonymous class>";
    for (const problem of records.problems) problems.push(`${name}.${problem}`);
    for (const record of records.states) {
      for (const problem of record.problems) problems.push(`${name}.${record.method}: ${problem}`);
      // A subclass's state replaces the inherited one in place, so "first decorated" stays stable.
      merged.set(record.method, { record, className: name });
    }
    for (const { event, method } of records.lifecycle) {
      if (!lifecycleNames[event].includes(method)) lifecycleNames[event].push(method);
    }
  }

  if (merged.size === 0) problems.push(`${className}: no states (decorate methods with @onTerminator or @onBytes)`);

  const statics = constructor as unknown as { defaultMaxLength?: unknown; budgets?: unknown };
  const classMax = statics.defaultMaxLength ?? DEFAULT_MAX_LENGTH;
  if (!validLimit(classMax)) problems.push(`${className}.defaultMaxLength: must be an integer >= 0 or Infinity, got ${describeValue(classMax)}`);

  const budgetSpecs = (statics.budgets ?? {}) as Record<string, Budget>;
  const budgets: Array<{ name: string; maxBytes: number; maxFrames: number }> = [];
  if (typeof budgetSpecs !== "object" || budgetSpecs === null) {
    problems.push(`${className}.budgets: must be an object of { maxBytes, maxFrames }, got ${describeValue(budgetSpecs)}`);
  } else {
    for (const [name, spec] of Object.entries(budgetSpecs)) {
      const maxBytes = spec?.maxBytes ?? Infinity;
      const maxFrames = spec?.maxFrames ?? Infinity;
      if (!validLimit(maxBytes) || !validLimit(maxFrames)) {
        problems.push(`${className}.budgets.${name}: maxBytes and maxFrames must be integers >= 0, got ${describeValue(spec)}`);
      }
      budgets.push({ name, maxBytes, maxFrames });
    }
  }

  const prototype = constructor.prototype as Record<string, unknown>;
  const states: CompiledState[] = [];
  const byName = new Map<string, CompiledState>();
  const declaredNext = new Map<CompiledState, readonly string[]>();
  let index = 0;
  for (const [method, { record, className: declaredIn }] of merged) {
    const handler = prototype[method];
    if (typeof handler !== "function") problems.push(`${declaredIn}.${method}: is not a method`);
    const options = record.options;
    const spec = record.spec as TerminatorSpec | ByteCountSpec;
    let normal: NormalTerminator | null = null;
    if (record.kind === "terminator" && typeof spec !== "function" && record.problems.length === 0) {
      try {
        normal = normalizeTerminator(spec);
      } catch {
        // Already recorded as a problem when decorating.
      }
    }
    const ownMaxLength = options.maxLength !== undefined;
    const maxLength = ownMaxLength ? options.maxLength! : options.stream ? Infinity : validLimit(classMax) ? classMax : DEFAULT_MAX_LENGTH;
    const budget = options.budget === undefined ? -1 : budgets.findIndex((b) => b.name === options.budget);
    if (typeof options.budget === "string" && budget < 0) {
      problems.push(`${declaredIn}.${method}: options.budget names "${options.budget}", which is not in ${className}.budgets`);
    }
    const state: CompiledState = {
      name: method,
      index: index++,
      kind: record.kind,
      terminator: record.kind === "terminator" && typeof spec !== "function" ? (spec as Terminator) : null,
      normal,
      terminatorFn: record.kind === "terminator" && typeof spec === "function" ? (spec as (self: unknown) => Terminator) : null,
      count: record.kind === "bytes" && typeof spec === "number" ? spec : -1,
      countFn: record.kind === "bytes" && typeof spec === "function" ? (spec as (self: unknown) => number) : null,
      handler: handler as CompiledState["handler"],
      encoding: options.encoding ?? null,
      latin1: options.encoding === "latin1" || options.encoding === "binary",
      stream: options.stream === true,
      maxLength,
      ownMaxLength,
      crlfOnly: options.lineEndings === "crlf",
      budget,
      initial: options.initial === true,
      options,
      next: null,
      declaredIn,
    };
    states.push(state);
    byName.set(method, state);
    // A `next` that is not an array of names was reported when decorating.
    if (Array.isArray(options.next) && options.next.every((n) => typeof n === "string")) declaredNext.set(state, options.next);
  }

  for (const [state, names] of declaredNext) {
    const targets = new Set<CompiledState>();
    for (const name of names) {
      const target = byName.get(name);
      if (target === undefined) problems.push(`${state.declaredIn}.${state.name}: options.next names "${name}", which is not a state of ${className}`);
      else targets.add(target);
    }
    (state as { next: ReadonlySet<CompiledState> | null }).next = targets;
  }

  const initials = states.filter((s) => s.initial);
  if (initials.length > 1) {
    problems.push(`${className}.${initials[1]!.name}: two initial states (${initials.map((s) => s.name).join(", ")}); mark only one { initial: true }`);
  }

  const lifecycle = {} as Record<LifecycleEvent, Array<(this: unknown, ...args: unknown[]) => unknown>>;
  for (const event of Object.keys(lifecycleNames) as LifecycleEvent[]) {
    lifecycle[event] = [];
    for (const method of lifecycleNames[event]) {
      const fn = prototype[method];
      if (typeof fn !== "function") problems.push(`${className}.${method}: is not a method`);
      else lifecycle[event].push(fn as (this: unknown, ...args: unknown[]) => unknown);
    }
  }

  if (problems.length > 0) throw new ProtocolDefinitionError(className, problems);

  // Every function a state's name has had along the chain names that state: `return this.bulk` works
  // whether `bulk` was overridden or not.
  const byFunction = new Map<Function, CompiledState>();
  for (const state of states) {
    for (const c of chain) {
      const descriptor = Object.getOwnPropertyDescriptor((c as { prototype?: object }).prototype ?? {}, state.name);
      if (typeof descriptor?.value === "function") byFunction.set(descriptor.value as Function, state);
    }
    byFunction.set(state.handler, state);
  }

  for (const state of states) Object.freeze(state);
  return Object.freeze({
    className,
    states: Object.freeze(states),
    initial: initials[0] ?? states[0]!,
    byName,
    byFunction,
    lifecycle: Object.freeze(lifecycle),
    // Read-only by type, not frozen: it is indexed on every budgeted frame, and V8 does not inline
    // indexed loads from frozen arrays.
    budgets,
  });
}
