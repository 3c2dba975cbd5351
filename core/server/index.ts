/** spool/server: the broker (HTTP API, WebSocket push, SQS endpoint) in your own process. */
export { startServer, type StartServerOptions, type SpoolServer } from './server.js';
export { resolveServerOptions, DEFAULT_SERVER_OPTIONS, type ServerOptions, type ServerOptionsInput, type ServerLimits } from './options.js';
export type { ApiKeySpec, Permission } from './auth/api-keys.js';
