/** The WebSocket push endpoint (docs/protocol.md). */
export { attachWebSocket, WS_PATH, type WebSocketEndpoint, type WebSocketStats } from './attach.js';
export { WS_DEFAULTS, resolveWebSocketOptions, type WebSocketOptions, type ResolvedWebSocketOptions } from './options.js';
