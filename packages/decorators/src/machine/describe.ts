/**
 * Looking at a compiled state machine: `describeProtocol` lists its states,
 * `toMermaid` renders them as a Mermaid state diagram.
 */

import type { Terminator } from "@asynchat/core";
import type { StateOptions } from "../metadata/records";
import { compileProtocol } from "./compile";

/** One state of a protocol class, as {@link describeProtocol} reports it. */
export interface StateDescription {
  /** The method's name. */
  name: string;
  /** `"terminator"` for `@onTerminator`, `"bytes"` for `@onBytes`. */
  kind: "terminator" | "bytes";
  /** The terminator as given, when static; null for a byte count or a computed one. */
  terminator: Terminator | null;
  /** The byte count, when static; null otherwise. */
  count: number | null;
  /** Whether the terminator or count is computed by a function when the state is entered. */
  dynamic: boolean;
  /** The options given to the decorator. */
  options: StateOptions;
  /** The limit in force (the state's own `maxLength` or the class default). */
  maxLength: number;
  /** Declared successors (`options.next`), or null when not declared. */
  next: string[] | null;
  /** Whether this is the initial state. */
  initial: boolean;
}

/**
 * The compiled states of a protocol class, in declaration order (inherited
 * first). Throws `ProtocolDefinitionError` if the class has mistakes, so it
 * doubles as a start-up check.
 */
export function describeProtocol(protocolClass: Function): StateDescription[] {
  const machine = compileProtocol(protocolClass);
  return machine.states.map((state) => ({
    name: state.name,
    kind: state.kind,
    terminator: state.terminator,
    count: state.count >= 0 ? state.count : null,
    dynamic: state.terminatorFn !== null || state.countFn !== null,
    options: state.options,
    maxLength: state.maxLength,
    next: state.next === null ? null : [...state.next].map((s) => s.name),
    initial: state === machine.initial,
  }));
}

function showTerminator(terminator: Terminator): string {
  if (Array.isArray(terminator)) return terminator.map((t) => showTerminator(t as string | Uint8Array)).join(" | ");
  if (typeof terminator === "string") return JSON.stringify(terminator).replace(/"/g, "'");
  if (terminator instanceof Uint8Array) return `bytes ${Buffer.from(terminator).toString("hex")}`;
  return String(terminator);
}

/** A Mermaid-safe label: no characters that end a label line or open markup. */
function label(text: string): string {
  return text.replace(/[:;#<>{}]/g, " ").replace(/\s+/g, " ").trim();
}

/**
 * Renders a protocol class's state machine as a Mermaid `stateDiagram-v2`:
 * each state with its terminator or byte count, an arrow from `[*]` to the
 * initial state, and an arrow for each declared successor. States without
 * declared successors get a note saying their successors are decided at run
 * time.
 */
export function toMermaid(protocolClass: Function): string {
  const states = describeProtocol(protocolClass);
  const lines = ["stateDiagram-v2"];
  for (const state of states) {
    const what =
      state.kind === "bytes"
        ? state.count !== null
          ? `${state.count} bytes`
          : "n bytes (computed)"
        : state.terminator !== null
          ? `until ${showTerminator(state.terminator)}`
          : "until a computed terminator";
    const extras = [state.options.encoding, state.options.stream ? "streamed" : undefined].filter(Boolean).join(", ");
    lines.push(`    ${state.name} : ${label(`${state.name} - ${what}${extras ? ` (${extras})` : ""}`)}`);
  }
  const initial = states.find((s) => s.initial);
  if (initial) lines.push(`    [*] --> ${initial.name}`);
  for (const state of states) {
    if (state.next === null) continue;
    for (const target of state.next) lines.push(`    ${state.name} --> ${target}`);
  }
  for (const state of states) {
    if (state.next === null) lines.push(`    note right of ${state.name} : successors decided at run time`);
  }
  return `${lines.join("\n")}\n`;
}
