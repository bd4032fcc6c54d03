/**
 * @asynchat/core: Python's asynchat for Node.js. Channels framed by
 * terminators, output through a producer FIFO, servers and clients.
 */

export { AsyncChat, type AsyncChatEvents } from "./channel/async-chat";
export {
  DiagnosticsChannelName,
  publishStateChange,
  type ChannelErrorMessage,
  type ChannelMessage,
  type ProtocolStateMessage,
} from "./channel/diagnostics";
export { formatUnhandledError, type UnhandledErrorReporter } from "./channel/failure-report";
export { DEFAULT_CHANNEL_OPTIONS, type AsyncChatOptions } from "./channel/options";
export { AT_LEAST_ONE, AT_LEAST_ZERO, checkLimit, limitExpectation, limitProblem, type LimitRule } from "./channel/limits";
export {
  PlaintextAfterStartTlsError,
  TlsUpgradeError,
  type PlaintextLeftoverPolicy,
  type StartTlsOptions,
} from "./channel/tls-upgrade";
export { normalizeTerminator, validateByteCount, type NormalTerminator, type Terminator } from "./terminator";
export { Framer, type FrameSink } from "./framing/framer";
export {
  SimpleProducer,
  isProducer,
  producerFromIterable,
  type Producer,
  type ProducerChunk,
  type ProducerSource,
} from "./producers/producer";
export { FileProducer, DEFAULT_FILE_CHUNK_SIZE, type FileProducerOptions } from "./producers/file-producer";
export { LinesProducer, type Line, type LinesProducerOptions } from "./producers/lines-producer";
export { CompositeProducer, type CompositePart } from "./producers/composite-producer";
export { GlobbingProducer } from "./producers/globbing-producer";
export { HookedProducer, type OnDone } from "./producers/hooked-producer";
export { ChunkedProducer } from "./producers/chunked-producer";
export {
  CompressedProducer,
  DEFAULT_BROTLI_QUALITY,
  type CompressedProducerOptions,
  type CompressionFormat,
} from "./producers/compressed-producer";
export { EscapingProducer, dotStuff } from "./producers/escaping-producer";
export {
  AsyncChatError,
  BareLineEndingError,
  BudgetExceededError,
  ChannelClosedError,
  ChannelTimeoutError,
  ErrorCode,
  FrameTooLongError,
  IncompleteFrameError,
  InputOverflowError,
  NotImplementedError,
  ProducerError,
  describeValue,
  invalidArgType,
  invalidArgValue,
} from "./errors";
export {
  ChatServer,
  createServer,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_SERVER_IDLE_TIMEOUT,
  type ChatServerEvents,
  type ChatServerOptions,
  type CloseOptions,
} from "./net/server";
export { connect, type ConnectOptions } from "./net/connect";
export { isChannelClass, type ChannelClass, type ChannelFactory, type ChannelFactoryFunction } from "./net/channel-factory";
export { CrlfCheck, findBareLineEnding, findBareLineEndingInFrame, type LineEndingPolicy } from "./framing/line-endings";
export type { BudgetUse, FrameBudget } from "./channel/frame-budget";
export {
  DEFAULT_TRUSTED_SOURCES,
  DEFAULT_V2_MAX_LENGTH,
  ProxyHeaderError,
  ProxyHeaderParser,
  TrustedSources,
  V1_MAX_LENGTH,
  V2_SIGNATURE,
  parseProxyHeader,
  type ProxyEndpoint,
  type ProxyHeader,
  type ProxyHeaderParserOptions,
  type ProxyHeaderProblem,
  type ProxyHeaderResult,
  type ProxyTlv,
} from "./proxy";
export { DEFAULT_PROXY_HEADER_TIMEOUT, type ProxyProtocolOptions } from "./net/proxy-acceptor";
export {
  ClusterPrimary,
  parseWorkerCount,
  runClusterWorker,
  serveCluster,
  type ClusterOptions,
  type ClusterPrimaryEvents,
  type ClusterServer,
  type ServeClusterOptions,
} from "./net/cluster";
export { WORKER_START_FAILED, WorkerStartError, type WorkerStartProblem } from "./net/cluster-errors";
