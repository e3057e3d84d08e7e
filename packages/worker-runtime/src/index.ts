export {
  runWorker,
  startWorker,
  retryDelaySeconds,
  type RunWorkerOptions,
  type WorkerHandle,
} from './worker.ts';
export { loadConfig, CONFIG_ENV, CONFIG_LIMITS, type WorkerConfig } from './config.ts';
export { parseS3EventMessage, type S3ObjectEvent, type ParsedMessage } from './s3-event.ts';
export {
  optionsVersion,
  processPhoto,
  MULTIPART_THRESHOLD_BYTES,
  type ImageOperation,
  type PhotoResult,
} from './photo.ts';
export { createMetrics, type WorkerMetrics, type PhotoOutcome } from './metrics.ts';
export {
  WorkerError,
  ConfigError,
  PermanentMessageError,
  TransientError,
  ShutdownError,
  classifyAwsError,
  type WorkerStep,
} from './errors.ts';
export {
  optionsFromEnv,
  COMMON_ENV_OPTIONS,
  type EnvOptionSpec,
  type EnvOptionKind,
} from './env-options.ts';
