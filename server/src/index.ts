export { type AppDeps, createApp } from './app.js';
export {
  ConfigError,
  type ConfigProblem,
  DEFAULT_LIMITS,
  type TenantLimits,
  type VigilConfig,
  isValidTenantId,
  loadConfigFile,
  parseConfig,
} from './config/config.js';
export { HttpError, type HttpErrorCode, isHttpError } from './errors.js';
export { type Logger, createLogger, silentLogger } from './log.js';
export { type RunningServer, type StartOptions, parseListen, startServer } from './main.js';
export { ServerMetrics } from './metrics.js';
export type { StorageHandle } from './storage-handle.js';
