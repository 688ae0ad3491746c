/**
 * `@vigil/agent/testing`: helpers for tests that drive the agent — a local receiver for
 * remote_write and Loki push that decodes what arrives, and the decoders themselves.
 */
export { type DecodedSeries, type DecodedStream, decodeLokiPush, decodeRemoteWrite } from './decoders.js';
export { type ReceivedRequest, type Responder, TestReceiver, waitFor } from './test-receiver.js';
