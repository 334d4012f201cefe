/**
 * @wa-media/emulator: a local WhatsApp media CDN and signalling peer for tests and offline
 * development, with fault injection.
 *
 * Folder map: `cdn/` (upload, resume, download, signed URLs, media store), `faults/` (rules,
 * random mode, throttling), `signaling/` (media_conn, the emulated phone answering media retry,
 * the in-process `MediaSignaling`), `control/` (the JSON control endpoint and
 * `connectEmulatorSignaling`), `proxy/` (HTTP and SOCKS5 test proxies, `startProxy`), `emulator.ts`
 * (`startEmulator`).
 */

export { WHATSAPP_WEB_ORIGIN } from './cdn/cdn-handler.js';
export type { RequestLogEntry } from './cdn/request-log.js';
export type { EmulatorClock } from './clock.js';
export type { JsonBinaryNode, JsonBytes } from './control/node-json.js';
export { nodeFromJson, nodeToJson } from './control/node-json.js';
export {
  connectEmulatorSignaling,
  type RemoteSignalingOptions,
} from './control/remote-signaling.js';
export {
  type Emulator,
  type EmulatorHost,
  type EmulatorHostOptions,
  type EmulatorMedia,
  type EmulatorOptions,
  startEmulator,
} from './emulator.js';
export { EmulatorError, type EmulatorErrorCode, isEmulatorError } from './errors.js';
export type { FaultController } from './faults/fault-controller.js';
export type {
  ActiveFaultRule,
  Fault,
  FaultKind,
  FaultRule,
  FaultStatus,
  RandomFaultKind,
  RandomFaultOptions,
  RequestKind,
} from './faults/types.js';
export {
  isLoopbackTarget,
  type ProxyConnection,
  type ProxyKind,
  type ProxyOptions,
  startProxy,
  type TestProxy,
} from './proxy/proxy-server.js';
export {
  type RecordedLogLine,
  type RecordingLogger,
  recordingLogger,
} from './recording-logger.js';
export type { EmulatorSignaling, EmulatorSignalingOptions } from './signaling/in-process.js';
export type { MediaConnOptions, SignalingBehavior } from './signaling/peer.js';
export type { MediaRetryRecord, PhoneEmulator, RememberMediaParams } from './signaling/phone.js';
