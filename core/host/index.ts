export type { ApiHandlers, CallContext } from '../api/handlers.js';
export { serveConnection } from '../api/connection.js';
export type { Connection, ConnectionOptions } from '../api/connection.js';
export { createMirageService } from './service.js';
export type { HostOptions, MirageService } from './service.js';
export { startServer } from './server.js';
export type { RunningServer, ServeOptions } from './server.js';
export { ServiceError, toErrorPayload } from '../api/errors.js';
export { findAssetsDir, listSamples } from './samples.js';
