/**
 * @asynchat/decorators: protocols as declarative terminator state machines.
 * Methods decorated `@onTerminator(...)` or `@onBytes(...)` become the states
 * of a machine that `Protocol` (an `AsyncChat`) runs on the socket's data.
 */

export { Protocol, type FrameRejection, type ProtocolEvents, type ProtocolOptions, type StateChange } from "./protocol";
export { onBytes, onTerminator } from "./decorators/state-decorators";
export { onClose, onConnect, onError, onOverflow, onRejection, type LifecycleDecorator } from "./decorators/lifecycle";
export type { DualMethodDecorator } from "./decorators/dialect";
export type { ByteCountSpec, StateOptions, TerminatorSpec } from "./metadata/records";
export { DEFAULT_MAX_LENGTH, type Budget } from "./machine/compile";
export { describeProtocol, toMermaid, type StateDescription } from "./machine/describe";
export { ProtocolDefinitionError, ProtocolErrorCode, ProtocolStateError } from "./errors";
