/**
 * @asynchat/core/testing: the test kit the package's own tests use, for
 * users' tests too. An in-memory socket pair, every-chunking feeding, and a
 * frame recorder.
 */

export { createSocketPair, MemorySocket, type SocketPairOptions } from "./socket-pair";
export {
  assertSameFramesInEveryChunking,
  chunkings,
  seededRandom,
  splitEvery,
  type Chunking,
  type ChunkingOptions,
} from "./chunkings";
export { FrameRecorder, recordFrames, type FrameRecorderOptions, type RecordedFrame } from "./frame-recorder";
export { proxyHeaderV1, proxyHeaderV2, type ProxiedConnection, type ProxyHeaderV2Options } from "./proxy-header";
